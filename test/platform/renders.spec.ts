/**
 * What the engine would see of every sample stack, against a record of it: URNs, parents,
 * providers, options and inputs. A file that moves, a component that is reorganised, a helper that
 * is shared: none of it may change a deployed resource, because URNs come only from type tokens and
 * logical names. `__provider` (the dynamic providers' bundled code) is left out: it changes with
 * any edit of the providers' code, and their diff ignores it, so the engine updates nothing for it.
 *
 * A change that is meant to change what a stack deploys rewrites the record, and its diff is what
 * reviewers read: `UPDATE_RENDERS=1 npx mocha test/platform/renders.spec.ts`.
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SecretValue } from "../../cli/harness/render";
import { renderStack } from "../support/stacks";

const RECORD = path.join(__dirname, "fixtures", "sample-stack-renders.json");
const STACKS = ["dev", "staging", "prod"];

/** Secrets as `{"<secret>": value}`, so that a value that stops being secret shows in the diff. */
function plain(value: unknown): unknown {
    if (value instanceof SecretValue) return { "<secret>": plain(value.value) };
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    return value;
}

async function renders(stack: string): Promise<Array<{ urn: string }>> {
    const rendered = await renderStack(stack);
    return rendered.registrations.map((r) => {
        const { __provider, ...inputs } = r.inputs;
        // Everything of a registration but its name and type (both in the URN) and its dependencies.
        const { name: _name, type: _type, custom: _custom, dependencies: _deps, inputs: _inputs, ...options } = r;
        return { ...options, inputs: plain(inputs) };
    });
}

describe("sample stacks render to the recorded resources", () => {
    // One resource per line in the record, so that its diff reads resource by resource.
    const record: Record<string, unknown[]> = process.env.UPDATE_RENDERS
        ? {}
        : JSON.parse(readFileSync(RECORD, "utf8"));
    after(() => {
        if (process.env.UPDATE_RENDERS)
            writeFileSync(
                RECORD,
                `{\n${STACKS.map((s) => `"${s}": [\n${record[s].map((r) => JSON.stringify(r)).join(",\n")}\n]`).join(",\n")}\n}\n`,
            );
    });
    for (const stack of STACKS) {
        it(`${stack}: the same URNs, options and inputs`, async () => {
            // Sorted by URN: the order of registration is not part of a resource's identity.
            const now = (await renders(stack)).sort((a, b) => a.urn.localeCompare(b.urn));
            if (process.env.UPDATE_RENDERS) {
                record[stack] = now;
                return;
            }
            assert.ok(record[stack].length > 0, "the record is empty");
            const recorded = (record[stack] as Array<{ urn: string }>).sort((a, b) => a.urn.localeCompare(b.urn));
            assert.deepEqual(
                now.map((r) => r.urn),
                recorded.map((r) => r.urn),
                "URNs",
            );
            assert.deepEqual(now, recorded);
        });
    }
});
