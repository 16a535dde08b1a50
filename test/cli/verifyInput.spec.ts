/**
 * What `npm run verify` reads before it touches a server: its command line, the stack outputs (from
 * a file or from `pulumi stack output`), and how it prints a report. In-process and without
 * PostgreSQL; the checks themselves run against a real server in verify.spec.ts.
 */
import * as assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { main, parseInvocation } from "../../cli/verify";
import { OutputsError, VerifyReport, formatReport, parseOutputs } from "../../cli/verify/checks";
import { UsageError } from "../../cli/harness/commandLine";
import { PROJECT_ROOT } from "../../components/core/project";

/** Outputs as the program exports them, for one tenant. */
function validOutputs(): Record<string, any> {
    return {
        entryUrl: "http://127.0.0.1:1",
        status: { apps: { crm: { desired: { state: "running" }, observed: "running" } } },
        databases: {
            server: { host: "127.0.0.1", port: 5432, sslMode: "disable" },
            entry: { database: "nocobase_main", user: "nocobase_main" },
            environments: {},
            tenants: {
                crm: {
                    mode: "database",
                    host: "127.0.0.1",
                    port: 5432,
                    database: "crm",
                    user: "crm",
                    password: "hunter2",
                },
            },
        },
    };
}

describe("verify: its command line", () => {
    const usage = (args: string[]) => () => parseInvocation(args);

    it("takes exactly one of --stack and --file", () => {
        const message = "give exactly one of --stack and --file";
        assert.throws(usage([]), { constructor: UsageError, message });
        assert.throws(usage(["--stack", "a", "--file", __filename]), { constructor: UsageError, message });
        assert.deepEqual(parseInvocation(["--stack", "prod"]), {
            source: { stack: "prod" },
            options: { pgHost: undefined, pgPort: undefined, timeoutMs: undefined },
        });
    });

    it("reads the server's address and the timeout, in seconds, within their bounds", () => {
        assert.deepEqual(
            parseInvocation([
                "--file",
                __filename,
                "--pg-host",
                "db.internal",
                "--pg-port",
                "65535",
                "--timeout",
                "600",
            ]),
            { source: { file: __filename }, options: { pgHost: "db.internal", pgPort: 65535, timeoutMs: 600_000 } },
        );
        assert.equal(parseInvocation(["--stack", "s", "--pg-port", "1", "--timeout", "1"]).options.pgPort, 1);
        assert.equal(parseInvocation(["--stack", "s", "--timeout", "1"]).options.timeoutMs, 1000);
        for (const [flag, text, max] of [
            ["pg-port", "0", 65535],
            ["pg-port", "65536", 65535],
            ["pg-port", "1.5", 65535],
            ["timeout", "0", 600],
            ["timeout", "601", 600],
        ] as const) {
            assert.throws(usage(["--stack", "s", `--${flag}`, text]), {
                constructor: UsageError,
                message: `--${flag}: expected an integer from 1 to ${max}, got "${text}"`,
            });
        }
    });
});

describe("verify: the outputs it reads", () => {
    it("takes the outputs as the program exports them, nullable parts included", () => {
        const outputs = validOutputs();
        assert.equal(parseOutputs(outputs), outputs);
        outputs.status.apps.crm.observed = null; // never read by an update or refresh
        outputs.databases.entry = null; // an adopted entry app
        outputs.databases.tenants.crm.schema = null;
        assert.equal(parseOutputs(outputs), outputs);
        outputs.databases.tenants.crm.schema = "crm";
        assert.equal(parseOutputs(outputs), outputs);
    });

    it("names the key path of each value of the wrong shape", () => {
        assert.throws(() => parseOutputs([]), {
            constructor: OutputsError,
            message: "outputs: expected an object, got a list",
        });
        assert.throws(() => parseOutputs("[secret]"), {
            constructor: OutputsError,
            message: "outputs is hidden: read the outputs with --show-secrets",
        });
        const cases: Array<[(o: Record<string, any>) => unknown, string]> = [
            [(o) => (o.status = 3), "status: expected an object, got a number"],
            [(o) => delete o.status.apps, "status.apps: expected an object, got nothing"],
            [(o) => (o.status.apps.crm = "x"), "status.apps.crm: expected an object, got a string"],
            [
                (o) => (o.status.apps.crm.desired.state = 1),
                "status.apps.crm.desired.state: expected a string, got a number",
            ],
            [(o) => delete o.databases, "databases: expected an object, got nothing"],
            [(o) => (o.databases.server.host = 1), "databases.server.host: expected a string, got a number"],
            // A port JSON cannot carry, from a caller in this process.
            [(o) => (o.databases.server.port = Infinity), "databases.server.port: expected a number, got a number"],
            [(o) => (o.databases.entry.database = 1), "databases.entry.database: expected a string, got a number"],
            [(o) => delete o.databases.environments, "databases.environments: expected an object, got nothing"],
            [
                (o) => (o.databases.environments.eu = {}),
                "databases.environments.eu.database: expected a string, got nothing",
            ],
            [(o) => (o.databases.tenants.crm = null), "databases.tenants.crm: expected an object, got null"],
            ...["mode", "host", "database", "user", "password"].map(
                (key): [(o: Record<string, any>) => unknown, string] => [
                    (o) => delete o.databases.tenants.crm[key],
                    `databases.tenants.crm.${key}: expected a string, got nothing`,
                ],
            ),
        ];
        for (const [edit, message] of cases) {
            const outputs = validOutputs();
            edit(outputs);
            assert.throws(() => parseOutputs(outputs), { constructor: OutputsError, message });
        }
    });
});

describe("verify: the report it prints", () => {
    it("marks each check, then counts the checks and the cross-tenant attempts", () => {
        const report: VerifyReport = {
            lines: [
                { ok: true, text: "entry app is healthy" },
                { ok: false, text: "tenant crm: reached database hr" },
            ],
            passed: 1,
            failed: 1,
            crossTenant: { tried: 4, refused: 2, unexpected: 1, inconclusive: 1 },
            connections: 5,
        };
        assert.equal(
            formatReport(report),
            [
                "ok    entry app is healthy",
                "FAIL  tenant crm: reached database hr",
                "",
                "checks: 2, passed 1, failed 1",
                "cross-tenant attempts: 4 tried, 2 refused as expected, 1 unexpected successes, 1 inconclusive (5 connections)",
            ].join("\n"),
        );
    });
});

describe("verify --stack: the outputs from `pulumi stack output`", function () {
    this.timeout(20_000);
    let dir: string;
    let path0: string | undefined;
    const out: string[] = [];
    const err: string[] = [];
    /** A stand-in for the CLI: records how it was called, then answers as `mode` says. */
    const pulumi = async (mode: "outputs" | "fails" | "not JSON") => {
        await writeFile(
            path.join(dir, "pulumi"),
            [
                "#!/bin/sh",
                `printf '%s\\n' "$PWD" "$@" > "${dir}/args"`,
                mode === "fails" ? `echo "error: no stack named 'dev' found" >&2; exit 255` : "",
                mode === "not JSON" ? "echo 'Current stack outputs (3):'" : "",
                mode === "outputs" ? `cat "${dir}/outputs.json"` : "",
            ].join("\n"),
        );
        await chmod(path.join(dir, "pulumi"), 0o755);
    };

    let closedPort: number;

    before(async () => {
        dir = await mkdtemp(path.join(os.tmpdir(), "verify-pulumi-"));
        // A loopback port nothing listens on any more.
        const probe = net.createServer();
        await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
        closedPort = (probe.address() as net.AddressInfo).port;
        await new Promise((resolve) => probe.close(resolve));
        const outputs = validOutputs();
        outputs.entryUrl = `http://127.0.0.1:${closedPort}`;
        outputs.databases.tenants = {};
        await writeFile(path.join(dir, "outputs.json"), JSON.stringify(outputs));
        path0 = process.env.PATH;
        process.env.PATH = `${dir}${path.delimiter}${path0}`;
    });
    after(async () => {
        process.env.PATH = path0;
        if (dir) await rm(dir, { recursive: true, force: true });
    });
    beforeEach(() => ((out.length = 0), (err.length = 0)));
    const run = () =>
        main(
            ["--stack", "dev"],
            (t) => out.push(t),
            (t) => err.push(t),
        );

    it("asks the CLI for the stack's outputs with their secrets, from the project, and checks them", async () => {
        await pulumi("outputs");
        assert.equal(await run(), 1, out.join(""));
        const args = (await readFile(path.join(dir, "args"), "utf8")).trim().split("\n");
        assert.deepEqual(args, [PROJECT_ROOT, "stack", "output", "--json", "--show-secrets", "--stack", "dev"]);
        // The check says why it failed.
        const url = `http://127.0.0.1:${closedPort}/api/__health_check`;
        assert.ok(
            out[0].startsWith(
                `FAIL  entry app is not reachable: GET ${url} failed: connect ECONNREFUSED 127.0.0.1:${closedPort}\n`,
            ),
            out[0],
        );
    });

    it("exits 2 with the CLI's own words when it fails, and when it prints no JSON", async () => {
        await pulumi("fails");
        assert.equal(await run(), 2);
        assert.match(
            err.join(""),
            /^verify: pulumi stack output --stack dev failed: error: no stack named 'dev' found\n/,
        );
        err.length = 0;
        await pulumi("not JSON");
        assert.equal(await run(), 2);
        assert.match(err.join(""), /^verify: outputs are not JSON: /);
    });
});

describe("verify: outputs of the wrong shape, from a file", function () {
    this.timeout(60_000);
    let dir: string;
    const lines = { out: [] as string[], err: [] as string[] };
    const run = (args: string[]) =>
        main(
            args,
            (t) => lines.out.push(t),
            (t) => lines.err.push(t),
        );
    /** Outputs as the program exports them, for one tenant; `edit` breaks them. */
    const outputsFile = async (edit: (o: Record<string, any>) => void) => {
        const outputs = validOutputs();
        edit(outputs);
        const file = path.join(dir, `outputs-${Math.random().toString(16).slice(2)}.json`);
        await writeFile(file, JSON.stringify(outputs));
        return file;
    };

    before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "verify-args-"))));
    after(async () => dir && (await rm(dir, { recursive: true, force: true })));
    beforeEach(() => ((lines.out = []), (lines.err = [])));

    it("prints its usage for --help and -h, and exits 0", async () => {
        for (const flag of ["--help", "-h"]) {
            assert.equal(await run([flag]), 0, flag);
            assert.match(lines.out.join(""), /^usage: npm run verify/);
        }
    });

    it("refuses a directory or a missing file, and a mistyped flag, with exit 2", async () => {
        assert.equal(await run(["--file", dir]), 2);
        assert.match(lines.err.join(""), /--file .*: not a file/);
        assert.equal(await run(["--file", path.join(dir, "missing.json")]), 2);
        assert.equal(await run([`--fiel=${dir}`]), 2);
        assert.match(lines.err.join(""), /unknown argument --fiel \(did you mean --file\?\)/);
    });

    it("exits 2 with the key path of what is wrong, never a stack trace, and never shows a password", async () => {
        const cases: Array<[(o: Record<string, any>) => void, RegExp]> = [
            [
                (o) => delete o.status.apps.crm.desired,
                /^verify: status\.apps\.crm\.desired: expected an object, got nothing$/m,
            ],
            [
                (o) => (o.status.apps.crm.observed = 3),
                /^verify: status\.apps\.crm\.observed: expected a string, got a number$/m,
            ],
            [
                (o) => (o.databases.tenants.crm.port = "5432"),
                /^verify: databases\.tenants\.crm\.port: expected a number, got a string$/m,
            ],
            [
                (o) => (o.databases.tenants.crm.password = 12345),
                /^verify: databases\.tenants\.crm\.password: expected a string, got a number$/m,
            ],
            [
                (o) => (o.databases.server.sslMode = undefined),
                /^verify: databases\.server\.sslMode: expected a string, got nothing$/m,
            ],
            [
                (o) => (o.databases.environments = { eu: "x" }),
                /^verify: databases\.environments\.eu: expected an object, got a string$/m,
            ],
            [
                (o) => delete o.entryUrl,
                /^verify: entryUrl: expected a string \(is this a nocobase-platform stack\?\)$/m,
            ],
            [(o) => (o.status = "[secret]"), /^verify: status is hidden: read the outputs with --show-secrets$/m],
            [
                (o) => (o.databases.tenants.crm.password = "[secret]"),
                /^verify: databases\.tenants\.crm\.password is hidden: read the outputs with --show-secrets$/m,
            ],
            [(o) => (o.databases.server.port = Number.NaN), /^verify: databases\.server\.port: expected a number/m],
            [(o) => (o.databases.entry = {}), /^verify: databases\.entry\.database: expected a string, got nothing$/m],
            [
                (o) => (o.databases.tenants.crm.schema = 7),
                /^verify: databases\.tenants\.crm\.schema: expected a string, got a number$/m,
            ],
            [(o) => (o.databases.tenants = []), /^verify: databases\.tenants: expected an object, got a list$/m],
            [(o) => (o.databases.server = null), /^verify: databases\.server: expected an object, got null$/m],
        ];
        for (const [edit, message] of cases) {
            lines.err = [];
            // The = form of a flag reads as the spaced one.
            assert.equal(await run([`--file=${await outputsFile(edit)}`]), 2, String(message));
            const text = lines.err.join("");
            assert.match(text, message);
            assert.ok(!/\n\s+at /.test(text) && !text.includes("hunter2") && !text.includes("12345"), text);
        }
    });
});
