// Runs graphql-http's GraphQL-over-HTTP audits (https://github.com/graphql/graphql-http)
// against the server at the URL given as the only argument, and prints one JSON line per
// audit: {"id", "name", "status": "ok" | "warn" | "error", "reason"}.
// graphql-http is found in the node_modules directory named by NODE_PEERS.
import { createRequire } from "node:module";
import path from "node:path";

const peers = process.env.NODE_PEERS;
if (!peers) {
  console.error("NODE_PEERS must name the node_modules directory holding graphql-http");
  process.exit(2);
}
const require = createRequire(path.join(peers, "noop.js"));
const { serverAudits } = require("graphql-http");

const url = process.argv[2];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const line = { id: audit.id, name: audit.name, status: result.status };
  if (result.status !== "ok") line.reason = result.reason;
  console.log(JSON.stringify(line));
}
