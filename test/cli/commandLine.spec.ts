/**
 * The argument parser every command shares (cli/harness/commandLine.ts), called directly: both
 * spellings of a value, help, and the usage errors each command exits 2 on, with the flag most
 * likely meant. The plan's and verify's own suites run it through their commands.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    HelpRequested,
    UsageError,
    parseCommandLine,
    positiveInteger,
    readableFile,
} from "../../cli/harness/commandLine";

const OPTIONS = { file: { type: "string" }, json: { type: "boolean" }, stack: { type: "string" } } as const;

function usageError(fn: () => unknown): string {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof UsageError, String(err));
        return err.message;
    }
    assert.fail("no usage error");
}

describe("the commands' argument parser (cli/harness/commandLine.ts)", () => {
    it("reads --flag=value and --flag value alike", () => {
        assert.deepEqual({ ...parseCommandLine(["--file=a.yaml", "--json"], OPTIONS) }, { file: "a.yaml", json: true });
        assert.deepEqual({ ...parseCommandLine(["--file", "a.yaml"], OPTIONS) }, { file: "a.yaml" });
    });

    it("answers --help and -h with the usage, whatever else is given", () => {
        for (const args of [["--help"], ["-h"], ["--file", "a", "-h"]])
            assert.throws(() => parseCommandLine(args, OPTIONS), HelpRequested, args.join(" "));
    });

    it("names a mistyped flag with the one most likely meant, and an unknown one without a guess", () => {
        assert.equal(
            usageError(() => parseCommandLine(["--fiel", "a"], OPTIONS)),
            "unknown argument --fiel (did you mean --file?)",
        );
        assert.equal(
            usageError(() => parseCommandLine(["--verbose"], OPTIONS)),
            "unknown argument --verbose",
        );
        assert.equal(
            usageError(() => parseCommandLine(["stack.yaml"], OPTIONS)),
            "unknown argument stack.yaml",
        );
    });

    it("keeps the first sentence of Node's message for the other usage errors", () => {
        assert.equal(
            usageError(() => parseCommandLine(["--file"], OPTIONS)),
            "Option '--file <value>' argument missing",
        );
        assert.equal(
            usageError(() => parseCommandLine(["--json=1"], OPTIONS)),
            "Option '--json' does not take an argument",
        );
        // Node goes on to a hint, on the next line: only the first sentence is kept.
        assert.equal(
            usageError(() => parseCommandLine(["--file", "--json"], OPTIONS)),
            "Option '--file' argument is ambiguous",
        );
    });

    describe("readableFile", () => {
        let dir: string;
        before(() => {
            dir = mkdtempSync(path.join(os.tmpdir(), "nocobase-command-line-"));
            writeFileSync(path.join(dir, "stack.yaml"), "config: {}\n");
        });
        after(() => rmSync(dir, { recursive: true, force: true }));

        it("passes a readable file through, and names a missing one or a directory", () => {
            const file = path.join(dir, "stack.yaml");
            assert.equal(readableFile("file", file), file);
            const missing = path.join(dir, "nope.yaml");
            assert.equal(
                usageError(() => readableFile("file", missing)),
                `no such file: ${missing}`,
            );
            assert.equal(
                usageError(() => readableFile("file", dir)),
                `--file ${dir}: not a file`,
            );
        });
    });

    it("positiveInteger: whole numbers from 1, anything else named with the flag", () => {
        assert.equal(positiveInteger("apps", "1"), 1);
        assert.equal(positiveInteger("apps", "250"), 250);
        for (const text of ["0", "-3", "1.5", "ten", ""])
            assert.equal(
                usageError(() => positiveInteger("apps", text)),
                `--apps: expected positive integers, got ${JSON.stringify(text)}`,
            );
    });
});
