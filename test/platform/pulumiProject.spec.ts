/**
 * What Pulumi.yaml tells the engine about running the program: TypeScript without a type check at
 * every `pulumi` command (npm run typecheck does that once), and the same compiler settings otherwise.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT as ROOT } from "../../components/core/project";

const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));

describe("Pulumi.yaml: how the engine runs the program", () => {
    const project = parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
        runtime: { options: Record<string, unknown> };
    };

    it("names a tsconfig that only skips the type check", () => {
        const file = project.runtime.options.tsconfig as string;
        assert.equal(typeof file, "string");
        const config = json(file);
        assert.equal(config.extends, "./tsconfig.json");
        assert.deepEqual(config.compilerOptions, { noCheck: true });
        assert.ok(config.include.includes("index.ts"));
    });

    it("leaves the type check to npm run typecheck", () => {
        assert.equal(json("tsconfig.json").compilerOptions.noCheck, undefined);
    });
});
