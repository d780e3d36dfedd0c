/** operationId → handler. Operations in the catalog without an entry answer 501. */
import type { HandlerTable } from './context.js';
import { resourceHandlers } from './resources.js';

export const handlers: HandlerTable = {
  ...resourceHandlers,
};
