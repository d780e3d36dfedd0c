/** operationId → handler. Operations in the catalog without an entry answer 501. */
import { graphqlHandlers } from '../graphql.js';
import type { HandlerTable } from './context.js';
import { eventHandlers } from './events.js';
import { folderHandlers } from './folders.js';
import { resourceHandlers } from './resources.js';
import { serviceHandlers } from './services.js';
import { sessionHandlers } from './sessions.js';

export const handlers: HandlerTable = {
  ...resourceHandlers,
  ...sessionHandlers,
  ...folderHandlers,
  ...serviceHandlers,
  ...eventHandlers,
  ...graphqlHandlers,
};
