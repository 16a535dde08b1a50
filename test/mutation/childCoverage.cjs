// Preloaded (NODE_OPTIONS) into the child processes of a test during `npm run mutate`'s dry run;
// see hookCoverage.ts, which sets NOCOBASE_MUTATION_COVERAGE to `{dir, owner}`. Plain JavaScript,
// because Pulumi's provider host runs without a TypeScript loader. At exit it writes the mutants
// this process reached, for the test or suite that started it.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const run = process.env.NOCOBASE_MUTATION_COVERAGE;
if (run) {
    const { dir, owner } = JSON.parse(run);
    const file = path.join(dir, String(process.pid));
    // The parent waits for a `.json` beside every `.started` whose process is still alive.
    fs.writeFileSync(`${file}.started`, "");
    process.on("exit", () => {
        const coverage = globalThis.__stryker__?.mutantCoverage ?? { static: {}, perTest: {} };
        fs.writeFileSync(`${file}.json`, JSON.stringify({ owner, coverage }));
    });
    // Tests stop their hosts with a signal, which would skip the "exit" handlers.
    for (const signal of ["SIGTERM", "SIGINT"]) {
        process.once(signal, () => process.exit(128 + os.constants.signals[signal]));
    }
}
