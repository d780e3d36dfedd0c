/** `bai-agent serve`: the HTTP API and web page over the agent (see server.ts for the routes). */
export { startServer, type ServeHandle, type ServeOptions, type ServerInfo } from './server.js';
export { newToken } from './guard.js';
