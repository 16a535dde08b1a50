/**
 * The mutation run's own test list (stryker.config.mjs reorders the specs so that quick ones run
 * first) must load every spec `npm test`'s unit run loads, each once: a spec left out would make its
 * mutants survive for no reason, as a pattern mocha cannot expand once did.
 */
import * as assert from "node:assert/strict";
import { globSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { BASELINES, Files, baselineFiles } from "./score";
import { KEPT } from "./scrub";
import { loadStrykerConfig } from "./strykerConfig";

// Mocha's own file collection, as both runners use it.
const collectFiles = require("mocha/lib/cli/collect-files.js") as (options: object) => { files: string[] };

const ROOT = path.join(__dirname, "..", "..");
const mocharc = JSON.parse(readFileSync(path.join(ROOT, ".mocharc.json"), "utf8")) as {
    spec: string[];
    ignore: string[];
};

function specFiles(spec: string[]): string[] {
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
        return collectFiles({
            spec,
            ignore: mocharc.ignore,
            extension: ["ts"],
            file: [],
            recursive: false,
            sort: false,
        }).files.map((f) => path.relative(ROOT, f));
    } finally {
        process.chdir(cwd);
    }
}

describe("mutation run configuration", () => {
    it("loads every unit spec, each once, the fuzz and CLI suites last", async () => {
        const { default: config } = await loadStrykerConfig();
        const unit = specFiles(mocharc.spec);
        const mutation = specFiles(config.mochaOptions.spec);
        assert.ok(unit.length > 10, `${unit.length} unit specs`);
        assert.deepEqual([...mutation].sort(), [...unit].sort());
        assert.deepEqual(mutation.slice(-3), [
            "test/config/fuzz.spec.ts",
            "test/cli/plan.spec.ts",
            "test/cli/verify.spec.ts",
        ]);
    });
});

describe("the parts a mutation run measures", () => {
    it("hold every file of the scope, each in one part", async () => {
        const { SCOPE, PARTS, partPatterns } = await loadStrykerConfig();
        const scope = globSync(SCOPE, { cwd: ROOT }).sort();
        assert.ok(scope.length > 50, `${scope.length} files in scope`);
        const inParts = PARTS.flatMap((part) => {
            const patterns = partPatterns(part);
            const files = globSync(
                patterns.filter((p) => !p.startsWith("!")),
                { cwd: ROOT, exclude: patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1)) },
            );
            assert.ok(files.length > 0, `no file in part ${part.join(",")}`);
            return files;
        }).sort();
        assert.deepEqual(inParts, scope);
    });

    it("name every committed measurement", async () => {
        const { PARTS, partName } = await loadStrykerConfig();
        const names = new Set(PARTS.map((part) => `${partName(part)}.json`));
        const orphans = baselineFiles()
            .map((f) => path.basename(f))
            .filter((f) => !names.has(f));
        assert.deepEqual(orphans, [], "measurements no part of stryker.config.mjs reruns");
    });
});

describe("committed mutation measurements", () => {
    const baselines = baselineFiles();

    it("exist, one per measured part", () => {
        assert.ok(baselines.length > 0, `no measurement in ${path.relative(ROOT, BASELINES)}`);
    });

    // Stryker also writes its options and the directory it ran in; neither belongs in a commit.
    for (const baseline of baselines) {
        it(`${path.basename(baseline)} holds only what an incremental run reads, under paths inside the project, without status reasons`, () => {
            const report = JSON.parse(readFileSync(baseline, "utf8")) as { files: Files; testFiles: object };
            assert.deepEqual(Object.keys(report).sort(), [...KEPT].sort());
            const files = [...Object.keys(report.files), ...Object.keys(report.testFiles)];
            assert.ok(files.length > 0);
            for (const file of files) assert.ok(!path.isAbsolute(file) && !file.startsWith(".."), file);
            const reasons = Object.values(report.files)
                .flatMap((f) => f.mutants)
                .filter((m) => "statusReason" in m);
            assert.equal(reasons.length, 0, "mutants with a status reason (it names the run's sandbox)");
        });
    }
});
