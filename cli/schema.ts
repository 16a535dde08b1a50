/** Writes stacks/stack.schema.json, the JSON Schema editors use to check stack files as people type. */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stackFileJsonSchema } from "../components/config/stackSchema";
import { PROJECT } from "../components/core/project";
import { PROJECT_ROOT } from "../components/core/project";

const file = path.join(PROJECT_ROOT, "stacks", "stack.schema.json");
writeFileSync(file, `${JSON.stringify(stackFileJsonSchema(PROJECT), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
