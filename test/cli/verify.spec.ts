import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { main } from "../../cli/verify";
import { Client } from "pg";
import { PlatformOutputs, VerifyReport, formatReport, sslOption, verifyPlatform } from "../../cli/verify/checks";
import { HEALTH_CHECK_PATH } from "../../components/core/nocobase";
import { IsolationFixture, createIsolationFixture } from "../support/isolationFixture";
import { adminSql, localAdmin } from "../support/localPostgres";
import { PROJECT_ROOT as ROOT } from "../../components/core/project";

/** Runs `cli/verify.ts` in its own process, as `npm run verify` does, for the real exit code. */
async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await promisify(execFile)(
            process.execPath,
            ["--require", "tsx/cjs", "cli/verify.ts", ...args],
            {
                cwd: ROOT,
                timeout: 60_000,
            },
        );
        return { code: 0, stdout, stderr };
    } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        if (typeof err.code !== "number") throw e;
        return { code: err.code, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
    }
}

/** Each of `expected` is one of the report's lines. */
function assertLines(lines: string[], expected: string[]): void {
    for (const line of expected)
        assert.ok(lines.includes(line), `no line ${JSON.stringify(line)} in\n${lines.join("\n")}`);
}

describe("verify: tenant isolation on a real PostgreSQL", function () {
    this.timeout(60_000);
    const server = localAdmin();
    let fixture: IsolationFixture;
    let entry: http.Server;
    let healthStatus = 200;
    let dir: string;
    let file: string;
    let outputs: PlatformOutputs;
    let clean: VerifyReport;
    const pgArgs = () => ["--pg-host", server.host, "--pg-port", String(server.port)];
    const verify = (o: PlatformOutputs = outputs) =>
        verifyPlatform(o, { pgHost: server.host, pgPort: server.port, timeoutMs: 5000 });

    before(async () => {
        entry = http.createServer((req, res) => {
            // A redirect leads to a page that answers 200: following it would hide the health check's answer.
            if (req.url === HEALTH_CHECK_PATH && healthStatus === 302) res.setHeader("location", "/elsewhere");
            res.statusCode = req.url === HEALTH_CHECK_PATH ? healthStatus : req.url === "/elsewhere" ? 200 : 404;
            res.end();
        });
        await new Promise<void>((resolve) => entry.listen(0, "127.0.0.1", resolve));
        fixture = await createIsolationFixture(server);
        // The rendered entry URL is the Docker host's published port; the stand-in listens elsewhere.
        outputs = { ...fixture.outputs, entryUrl: `http://127.0.0.1:${(entry.address() as AddressInfo).port}` };
        dir = await mkdtemp(path.join(os.tmpdir(), "verify-"));
        file = path.join(dir, "outputs.json");
        await writeFile(file, JSON.stringify(outputs));
    });

    after(async () => {
        await fixture?.cleanup();
        entry?.close();
        if (dir) await rm(dir, { recursive: true, force: true });
        if (clean) {
            const c = clean.crossTenant;
            console.log(
                `      verify figures: cross-tenant attempts refused ${c.refused} of ${c.tried} tried (${c.unexpected} unexpected successes, ${c.inconclusive} inconclusive)`,
            );
        }
    });

    it("passes a platform whose storage was created exactly as the program creates it", async () => {
        clean = await verify();
        const { entryUrl, status, databases } = outputs;
        const tenants = Object.entries(databases.tenants);
        assert.equal(tenants.length, 5);
        // The fixture's storages: the entry's and the environment's databases, three database-mode
        // tenants, two schemas and the tenants database that holds them. A database-mode tenant
        // tries the 7 that are not its own, over 5 connections (the two schemas share the tenants
        // database's); a schema-mode one the 6 that are neither its schema nor the database it
        // lives in, over 6 connections. Each also connects to its own storage.
        const others = (mode: string) => (mode === "schema" ? 6 : 7);
        assert.deepEqual(formatReport(clean).split("\n"), [
            `ok    entry app is healthy: GET ${entryUrl}${HEALTH_CHECK_PATH} answered 200`,
            ...Object.entries(status.apps).map(
                ([id, app]) => `ok    app ${id}: desired ${app.desired.state}, observed ${app.observed}`,
            ),
            ...tenants.flatMap(([id, t]) => [
                `ok    tenant ${id}: connects to ${t.database}${t.mode === "schema" ? ` (schema ${t.schema})` : ""} as ${t.user}, creates and reads a table`,
                `ok    tenant ${id}: role ${t.user} has no SUPERUSER, CREATEDB or CREATEROLE, itself or through a role it belongs to`,
                `ok    tenant ${id}: refused on all ${others(t.mode)} other databases and schemas on its server`,
            ]),
            "",
            `checks: ${1 + 5 + 3 * 5}, passed ${1 + 5 + 3 * 5}, failed 0`,
            `cross-tenant attempts: ${3 * 7 + 2 * 6} tried, ${3 * 7 + 2 * 6} refused as expected, 0 unexpected successes, 0 inconclusive (${3 * (1 + 5) + 2 * (1 + 6)} connections)`,
        ]);
        // Its probe tables were made in transactions it rolled back: none is left in any storage.
        for (const database of new Set(tenants.map(([, t]) => t.database)))
            assert.equal(
                adminSql(database, "SELECT count(*) FROM pg_class WHERE relname LIKE 'verify\\_probe\\_%'"),
                "0",
            );
    });

    it("exits 0 from the command line on the same platform", async () => {
        const { code, stdout } = await runCli(["--file", file, ...pgArgs()]);
        assert.equal(code, 0, stdout);
        assert.match(stdout, /checks: \d+, passed \d+, failed 0/);
    });

    it("checks an adopted entry app's health but not its database, which the stack does not own", async () => {
        const entryDatabase = outputs.databases.entry!.database;
        const adopted = await verify({ ...outputs, databases: { ...outputs.databases, entry: null } });
        const text = formatReport(adopted);
        assert.equal(adopted.failed, 0, text);
        assert.match(text, /ok +entry app is healthy/);
        assert.doesNotMatch(text, new RegExp(`database ${entryDatabase}\\b`));
        // One storage fewer for each tenant to try than on the platform that runs its entry app.
        const tenants = Object.keys(outputs.databases.tenants).length;
        assert.equal(adopted.crossTenant.tried, clean.crossTenant.tried - tenants);
    });

    /** Breaks the server, checks that verify fails with `expected`, then repairs it. */
    async function catches(
        breakIt: () => Promise<void>,
        repair: () => Promise<void>,
        expected: RegExp[],
        viaCli = false,
    ): Promise<void> {
        await breakIt();
        try {
            if (viaCli) {
                const { code, stdout } = await runCli(["--file", file, ...pgArgs()]);
                assert.equal(code, 1, stdout);
                for (const line of expected) assert.match(stdout, line);
            } else {
                const report = await verify();
                const text = formatReport(report);
                assert.ok(report.failed > 0, text);
                assert.equal(await main(["--file", file, ...pgArgs()], () => undefined), 1);
                for (const line of expected) assert.match(text, line);
            }
        } finally {
            await repair();
        }
    }

    it("catches CONNECT granted on another tenant's database (exit 1)", async () => {
        const { databaseA, databaseB } = fixture.apps;
        await catches(
            () => fixture.admin("postgres", `GRANT CONNECT ON DATABASE ${databaseB} TO ${databaseA}`),
            () => fixture.admin("postgres", `REVOKE CONNECT ON DATABASE ${databaseB} FROM ${databaseA}`),
            [
                new RegExp(
                    `FAIL +tenant ${databaseA}: reached database ${databaseB} \\(tenant ${databaseB}\\): connected`,
                ),
                / 1 unexpected successes/,
                // Not also said to be refused everywhere.
                new RegExp(`^(?![^]*ok +tenant ${databaseA}: refused on all)`),
            ],
            true,
        );
    });

    it("catches another tenant's schema made usable and one of its tables readable", async () => {
        const { schemaA, schemaB } = fixture.apps;
        const tenantsDatabase = outputs.databases.tenants[schemaB].database;
        await catches(
            () =>
                fixture.admin(
                    tenantsDatabase,
                    `GRANT USAGE ON SCHEMA ${schemaB} TO ${schemaA}; CREATE TABLE ${schemaB}.customers (name text); GRANT SELECT ON ${schemaB}.customers TO ${schemaA}`,
                ),
            () =>
                fixture.admin(
                    tenantsDatabase,
                    `DROP TABLE ${schemaB}.customers; REVOKE USAGE ON SCHEMA ${schemaB} FROM ${schemaA}`,
                ),
            [
                new RegExp(
                    `FAIL +tenant ${schemaA}: reached schema ${schemaB} in ${tenantsDatabase} \\(tenant ${schemaB}\\): has USAGE on the schema, read table ${schemaB}\\.customers`,
                ),
            ],
        );
    });

    it("catches CREATE on another tenant's schema", async () => {
        const { schemaA, schemaB } = fixture.apps;
        const tenantsDatabase = outputs.databases.tenants[schemaB].database;
        await catches(
            () => fixture.admin(tenantsDatabase, `GRANT USAGE, CREATE ON SCHEMA ${schemaB} TO ${schemaA}`),
            () => fixture.admin(tenantsDatabase, `REVOKE USAGE, CREATE ON SCHEMA ${schemaB} FROM ${schemaA}`),
            [
                new RegExp(
                    `FAIL +tenant ${schemaA}: reached schema ${schemaB} .*has CREATE on the schema, created a table in it`,
                ),
            ],
        );
    });

    it("catches the entry app's database left open to every role", async () => {
        const entryDatabase = outputs.databases.entry!.database;
        await catches(
            () => fixture.admin("postgres", `GRANT CONNECT ON DATABASE ${entryDatabase} TO PUBLIC`),
            () => fixture.admin("postgres", `REVOKE ALL ON DATABASE ${entryDatabase} FROM PUBLIC`),
            Object.keys(outputs.databases.tenants).map(
                (id) =>
                    new RegExp(`FAIL +tenant ${id}: reached database ${entryDatabase} \\(the entry app\\): connected`),
            ),
        );
    });

    it("catches a database-mode tenant let into the tenants database", async () => {
        const { databaseA, schemaA } = fixture.apps;
        const tenantsDatabase = outputs.databases.tenants[schemaA].database;
        await catches(
            () => fixture.admin("postgres", `GRANT CONNECT ON DATABASE ${tenantsDatabase} TO ${databaseA}`),
            () => fixture.admin("postgres", `REVOKE CONNECT ON DATABASE ${tenantsDatabase} FROM ${databaseA}`),
            [
                new RegExp(
                    `FAIL +tenant ${databaseA}: reached database ${tenantsDatabase} \\(the tenants database\\): connected`,
                ),
            ],
        );
    });

    it("catches a tenant role with SUPERUSER, CREATEDB and CREATEROLE, naming each", async () => {
        const { named } = fixture.apps;
        const role = outputs.databases.tenants[named].user;
        await catches(
            () => fixture.admin("postgres", `ALTER ROLE ${role} SUPERUSER CREATEDB CREATEROLE`),
            () => fixture.admin("postgres", `ALTER ROLE ${role} NOSUPERUSER NOCREATEDB NOCREATEROLE`),
            [
                new RegExp(`FAIL +tenant ${named}: role ${role} has SUPERUSER, CREATEDB, CREATEROLE$`, "m"),
                new RegExp(`^(?![^]*tenant ${named}: role ${role} has no )`),
            ],
        );
    });

    it("catches CREATEROLE reached through the tenants group role", async () => {
        const { schemaA, schemaB } = fixture.apps;
        const group = `nocobase_tenants_members_${fixture.run}`;
        await catches(
            () => fixture.admin("postgres", `ALTER ROLE ${group} CREATEROLE`),
            () => fixture.admin("postgres", `ALTER ROLE ${group} NOCREATEROLE`),
            [schemaA, schemaB].map(
                (id) => new RegExp(`FAIL +tenant ${id}: role ${id} belongs to ${group}, which has CREATEROLE`),
            ),
        );
    });

    it("catches an unhealthy entry app, and one that redirects its health check elsewhere", async () => {
        // Only the entry app is checked: no tenant.
        const entryOnly = async (entryUrl = outputs.entryUrl) =>
            (await verify({ ...outputs, entryUrl, databases: { ...outputs.databases, tenants: {} } })).lines[0];
        const url = `${outputs.entryUrl}${HEALTH_CHECK_PATH}`;
        try {
            healthStatus = 503;
            assert.deepEqual(await entryOnly(), {
                ok: false,
                text: `entry app is not healthy: GET ${url} answered 503`,
            });
            healthStatus = 302;
            assert.deepEqual(await entryOnly(), {
                ok: false,
                text: `entry app is not healthy: GET ${url} answered 302`,
            });
        } finally {
            healthStatus = 200;
        }
        assert.deepEqual(await entryOnly(`${outputs.entryUrl}//`), {
            ok: true,
            text: `entry app is healthy: GET ${url} answered 200`,
        });
    });

    it("skips a decommissioned tenant's storage, and fails an app never observed", async () => {
        const { databaseB, schemaA } = fixture.apps;
        const status = structuredClone(outputs.status);
        status.apps[databaseB].desired.state = "decommissioned";
        status.apps[databaseB].observed = null;
        status.apps[schemaA].observed = null;
        const report = await verify({ ...outputs, status });
        const lines = formatReport(report).split("\n");
        assertLines(lines, [
            `ok    app ${databaseB}: decommissioned, no state to observe`,
            `FAIL  app ${schemaA}: desired running, never observed (no update or refresh has read it)`,
            `ok    tenant ${databaseB}: decommissioned, its storage is not checked`,
        ]);
        assert.equal(report.failed, 1, formatReport(report));
        assert.ok(!lines.some((l) => l.includes(`tenant ${databaseB}: connects`)));
        // Nobody tries the retired tenant's database: each of the 4 others tries one storage fewer.
        assert.equal(report.crossTenant.tried, 2 * 6 + 2 * 5);
    });

    it("says what it could not tell, and tries a connection's server on its own", async () => {
        const { databaseA, schemaA, schemaB } = fixture.apps;
        const databases = structuredClone(outputs.databases);
        const a = databases.tenants[databaseA];
        const sa = databases.tenants[schemaA];
        const ghostDatabase = `${fixture.run}_ghost`;
        const ghostSchema = `${fixture.run}_gs`;
        // A connection-mode tenant on the same server, reached by its own address.
        databases.tenants.bi = { ...a, mode: "connection", host: server.host, port: server.port };
        // An environment whose database is not there, and a schema-mode tenant whose schema is not.
        databases.environments.ghost = { database: ghostDatabase, user: ghostDatabase };
        databases.tenants.gs = { ...sa, schema: ghostSchema };
        const report = await verify({ ...outputs, databases });
        const expected = [
            `ok    tenant bi: connects to ${a.database} as ${a.user}, creates and reads a table`,
            `ok    tenant bi: refused on all 0 other databases and schemas on its server`,
            `FAIL  tenant gs: connects to ${sa.database} (schema ${ghostSchema}) as ${sa.user} but cannot create and read a table: schema "${ghostSchema}" does not exist`,
            // The failed create was rolled back: the next query of the same connection runs.
            `ok    tenant gs: role ${sa.user} has no SUPERUSER, CREATEDB or CREATEROLE, itself or through a role it belongs to`,
            ...Object.keys(outputs.databases.tenants).map(
                (id) =>
                    `FAIL  tenant ${id}: could not tell whether database ${ghostDatabase} (environment ghost) is refused: database "${ghostDatabase}" does not exist`,
            ),
            ...[schemaA, schemaB].map(
                (id) =>
                    `FAIL  tenant ${id}: could not tell whether schema ${ghostSchema} in ${sa.database} (tenant gs) is refused: schema ${ghostSchema} does not exist`,
            ),
        ];
        assertLines(formatReport(report).split("\n"), expected);
        // The missing database, for the 6 tenants on the platform's server; the missing schema, for
        // the 2 schema-mode tenants that can connect to the database it would be in.
        assert.equal(report.crossTenant.inconclusive, 6 + 2);
    });

    it("does not count a table granted to another tenant whose schema it cannot use", async () => {
        const { schemaA, schemaB } = fixture.apps;
        const tenantsDatabase = outputs.databases.tenants[schemaB].database;
        await fixture.admin(
            tenantsDatabase,
            `CREATE TABLE ${schemaB}.invoices (n int); GRANT SELECT ON ${schemaB}.invoices TO ${schemaA}`,
        );
        try {
            const report = await verify();
            assert.equal(report.failed, 0, formatReport(report));
            assert.equal(report.crossTenant.unexpected, 0);
        } finally {
            await fixture.admin(tenantsDatabase, `DROP TABLE ${schemaB}.invoices`);
        }
    });

    it("catches an app whose observed state is not its desired state", async () => {
        const { databaseB } = fixture.apps;
        const status = structuredClone(outputs.status);
        status.apps[databaseB].observed = "running";
        const report = await verify({ ...outputs, status });
        assert.equal(report.failed, 1, formatReport(report));
        assert.match(formatReport(report), new RegExp(`FAIL +app ${databaseB}: desired stopped, observed running`));
    });

    it("reports a tenant that cannot reach its own storage", async () => {
        const { databaseA } = fixture.apps;
        const databases = structuredClone(outputs.databases);
        databases.tenants[databaseA].database = databases.tenants[fixture.apps.databaseB].database;
        const report = await verify({ ...outputs, databases });
        assert.match(
            formatReport(report),
            new RegExp(`FAIL +tenant ${databaseA}: cannot connect to its database .*permission denied`),
        );
        assert.match(
            formatReport(report),
            new RegExp(
                `FAIL +tenant ${databaseA}: role ${databases.tenants[databaseA].user} not checked for SUPERUSER, CREATEDB or CREATEROLE \\(no connection\\)`,
            ),
        );
    });

    it("exits 2 on usage errors and on outputs without secrets", async () => {
        const errors: string[] = [];
        const err = (t: string) => errors.push(t);
        assert.equal(await main([], () => undefined, err), 2);
        assert.equal(await main(["--stack", "a", "--file", file], () => undefined, err), 2);
        assert.equal(await main(["--file", file, "--pg-port", "x"], () => undefined, err), 2);
        assert.equal(await main(["--file", path.join(dir, "missing.json")], () => undefined, err), 2);
        const hidden = path.join(dir, "hidden.json");
        await writeFile(hidden, JSON.stringify({ ...outputs, databases: "[secret]" }));
        assert.equal(await main(["--file", hidden], () => undefined, err), 2);
        assert.match(errors.join(""), /databases is hidden: read the outputs with --show-secrets/);
        const { code, stderr } = await runCli(["--bogus"]);
        assert.equal(code, 2);
        assert.match(stderr, /usage: npm run verify/);
    });
});

describe("verify: TLS as the stack's sslMode says", () => {
    it("maps each sslMode to node-postgres's TLS options: encrypted from require, verified from verify-ca", () => {
        assert.equal(sslOption("disable"), false);
        assert.deepEqual(sslOption("require"), { rejectUnauthorized: false });
        const ca = sslOption("verify-ca") as { rejectUnauthorized: boolean; checkServerIdentity: () => unknown };
        assert.equal(ca.rejectUnauthorized, true);
        assert.equal(ca.checkServerIdentity(), undefined, "verify-ca checks the chain, not the host name");
        assert.deepEqual(sslOption("verify-full"), { rejectUnauthorized: true });
    });

    it("connects with TLS where sslMode is require, as the local server reports it", async function () {
        const admin = localAdmin();
        const encrypted = async (mode: string) => {
            const client = new Client({ ...admin, database: "postgres", ssl: sslOption(mode) });
            await client.connect();
            try {
                const { rows } = await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
                return rows[0].ssl as boolean;
            } finally {
                await client.end();
            }
        };
        if (adminSql("postgres", "SHOW ssl") !== "on") this.skip(); // a server without TLS can't show the difference
        assert.equal(await encrypted("require"), true);
        assert.equal(await encrypted("disable"), false);
    });
});
