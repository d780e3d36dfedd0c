/** operationId → handler. Operations in the catalog without an entry answer 501. */
import type { HandlerTable } from './context.js';
import { folderHandlers } from './folders.js';
import { resourceHandlers } from './resources.js';
import { sessionHandlers } from './sessions.js';

export const handlers: HandlerTable = {
  ...resourceHandlers,
  ...sessionHandlers,
  ...folderHandlers,
};
