/** Writes stacks/stack.schema.json, the JSON Schema editors use to check stack files as people type. */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stackFileJsonSchema } from "../components/configSchema";
import { PROJECT } from "./stackFile";

const file = path.resolve(__dirname, "..", "stacks", "stack.schema.json");
writeFileSync(file, `${JSON.stringify(stackFileJsonSchema(PROJECT), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
