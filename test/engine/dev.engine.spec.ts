/**
 * The dev shape under the real engine: `pulumi up`, `preview`, `refresh` and `destroy` with the
 * real provider plugins, on a Docker engine, with PostgreSQL in a container and a real NocoBase
 * 2.2.15 that hosts every app (shared-memory mode). Each step proves a claim of the README that
 * the mocks can only assume. Steps run in order and share one deployed stack.
 */
import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { plan } from "../../cli/plan";
import { HEALTH_CHECK_PATH } from "../../components/core/nocobase";
import type { PlatformStatus } from "../../components/platform/status";
import { docker, dockerHost, leftovers, removeLeftovers } from "./support/docker";
import {
    freePort,
    postgresAdminPassword,
    psqlAt,
    stackSupervisor,
    tenantSql as sqlAsTenant,
} from "./support/dockerStack";
import {
    EngineStack,
    ROOT,
    SECRET_SIG,
    previewSteps,
    protectedDeletes,
    revealed,
    skipAfterFirstFailure,
} from "./support/engine";
import { LOCAL_IMAGES, LOCAL_NOCOBASE_VERSION } from "./support/images";
import { poll } from "../../components/core/poll";

const STACK = "enginetest";
/** The program's namePrefix for this stack: every container, volume and network it names. */
const PREFIX = `nocobase-${STACK}`;

type App = Record<string, any>;
type Config = Record<string, any>;

const APPS: App[] = [
    { id: "crm", displayName: "Sales CRM", database: { mode: "database" }, startMode: "with-main" },
    { id: "helpdesk", displayName: "Helpdesk", database: { mode: "schema" } },
    { id: "sandbox", displayName: "Sandbox", database: { mode: "schema" }, state: "stopped" },
];

describe("dev stack under the real engine", function () {
    let stack: EngineStack;
    let host: string;
    let base: Config;
    let pgPort: number;
    let entryPort: number;
    const suite = skipAfterFirstFailure(() => stack);

    const edited = (edit: (c: Config) => void): Config => {
        const c = structuredClone(base);
        edit(c);
        return c;
    };

    /** psql through the published port, as the container's admin or as a tenant's own role. */
    let adminPassword: string;
    const psql = (database: string, sql: string): string => psqlAt(pgPort, "postgres", adminPassword, database, sql);
    /** A tenant's rows as NocoBase writes them: in tables its own role owns. */
    const tenantSql = (app: string, sql: string): Promise<string> => sqlAsTenant(stack, pgPort, app, sql);
    const supervisor = () => stackSupervisor(stack, entryPort);

    before(async function () {
        host = dockerHost();
        removeLeftovers(host, PREFIX);
        [pgPort, entryPort] = [await freePort(), await freePort()];
        stack = new EngineStack(STACK);
        const backups = path.join(stack.dir, "backups");
        mkdirSync(backups);
        base = {
            platform: { mode: "shared-memory", nocobaseVersion: LOCAL_NOCOBASE_VERSION, image: LOCAL_IMAGES.nocobase },
            runtimes: { local: { type: "docker", host } },
            postgres: { runtime: "local", port: pgPort, image: LOCAL_IMAGES.postgres },
            entry: { runtime: "local", port: entryPort },
            apps: APPS,
            backups: { location: backups },
        };
        await stack.init(base);
    });

    after(async function () {
        if (suite.kept()) return;
        // Whatever the steps left goes, then the retained volumes.
        await stack.destroyAll();
        removeLeftovers(host, PREFIX);
        stack.remove();
    });

    describe("1.", () => {
        it("pulumi up from nothing: every app as desired, health checks answer, PostgreSQL as the README says", async () => {
            await stack.up();
            const status = await stack.output<PlatformStatus>("status");
            const apps = Object.entries(status.apps);
            assert.equal(apps.length, APPS.length);
            for (const [id, app] of apps) {
                // A stopped app that never ran is `initialized` in NocoBase: registered, not loaded.
                const wanted = app.desired.state === "running" ? ["running"] : ["stopped", "initialized"];
                assert.ok(
                    wanted.includes(String(app.observed)),
                    `${id}: observed ${app.observed}, desired ${app.desired.state}`,
                );
                assert.equal(app.inSync, true, id);
            }
            assert.deepEqual(status.totals.observed, {
                running: 2,
                stopped: 1,
                error: 0,
                transitioning: 0,
                unknown: 0,
            });

            const entry = await fetch(`http://127.0.0.1:${entryPort}${HEALTH_CHECK_PATH}`);
            assert.equal(entry.status, 200, "the entry app's health check, through the published port");
            for (const app of APPS.filter((a) => a.state !== "stopped")) {
                const res = await fetch(`http://127.0.0.1:${entryPort}/api/__app/${app.id}/__health_check`);
                assert.equal(res.status, 200, `${app.id}'s own health check`);
            }

            adminPassword = await postgresAdminPassword(stack);
            // Owners: each tenant role owns its own database or schema, and nothing else of the platform.
            assert.equal(
                psql("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'crm'"),
                "crm",
            );
            assert.equal(
                psql(
                    "nocobase_tenants",
                    "SELECT string_agg(nspname || '=' || pg_get_userbyid(nspowner), ',' ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('helpdesk','sandbox')",
                ),
                "helpdesk=helpdesk,sandbox=sandbox",
            );
            // PUBLIC may connect to none of the platform's databases.
            for (const db of ["crm", "nocobase_tenants", "nocobase_main"]) {
                const acl = psql(
                    "postgres",
                    `SELECT coalesce(datacl::text, '') FROM pg_database WHERE datname = '${db}'`,
                );
                assert.ok(
                    acl !== "" && !/(^|[{,])=[^,}]*c/.test(acl),
                    `${db}: PUBLIC has CONNECT (${acl || "default ACL"})`,
                );
            }
            // No tenant role may create roles or databases, or is a superuser.
            assert.equal(
                psql(
                    "postgres",
                    "SELECT count(*) FROM pg_roles WHERE rolname IN ('crm','helpdesk','sandbox') AND (rolcreatedb OR rolcreaterole OR rolsuper)",
                ),
                "0",
            );
            assert.equal(
                psql(
                    "postgres",
                    "SELECT count(*) FROM pg_roles WHERE rolname IN ('crm','helpdesk','sandbox') AND rolcanlogin",
                ),
                "3",
            );

            // And `npm run verify` agrees, on the real outputs.
            const outputs = path.join(stack.dir, "outputs.json");
            writeFileSync(
                outputs,
                (await stack.run(["stack", "output", "--json", "--show-secrets", "--stack", STACK])).stdout,
            );
            const verify = await promisify(execFile)(
                "npx",
                ["tsx", "cli/verify.ts", "--file", outputs, "--pg-host", "127.0.0.1", "--pg-port", String(pgPort)],
                {
                    cwd: ROOT,
                    encoding: "utf8",
                },
            );
            assert.match(verify.stdout, /^checks: \d+, passed \d+, failed 0$/m);
        });
    });

    describe("2.", () => {
        it("a second preview shows no change, and neither does one after pulumi refresh", async () => {
            await stack.preview(["--expect-no-changes"]);
            await stack.refresh();
            await stack.preview(["--expect-no-changes"]);
        });
    });

    describe("3. the offline plan predicts the engine's steps", () => {
        const edits: Array<[string, (c: Config) => void]> = [
            ["add an app", (c) => c.apps.push({ id: "wiki", displayName: "Wiki", database: { mode: "schema" } })],
            ["rename a display name", (c) => (c.apps[0].displayName = "Sales CRM (EU)")],
            ["stop an app", (c) => (c.apps[1].state = "stopped")],
            ["change a domain", (c) => (c.apps[0].domain = "crm.example.com")],
            ["remove an app", (c) => c.apps.splice(1, 1)],
            ["decommission an app", (c) => (c.apps[2].state = "decommissioned")],
        ];
        for (const [title, edit] of edits) {
            it(title, async () => {
                const baseFile = path.join(stack.dir, "base.yaml");
                const file = path.join(stack.dir, `Pulumi.${STACK}.yaml`);
                stack.writeConfig(base);
                writeFileSync(baseFile, readFileSync(file, "utf8"));
                stack.writeConfig(edited(edit));
                try {
                    const predicted = await plan({ file, stack: STACK, base: baseFile, json: true });
                    assert.ok(
                        predicted.ok,
                        `plan failed: ${"problems" in predicted ? predicted.problems.join("; ") : ""}`,
                    );
                    const predictedSteps = predicted.ok ? (predicted.report.diff?.steps ?? []) : [];
                    const planSteps = predictedSteps
                        .map((s) => ({ urn: s.urn, op: s.op }))
                        .sort((a, b) => a.urn.localeCompare(b.urn));
                    assert.ok(planSteps.length > 0, "the edit changes something");
                    const preview = await stack.preview(["--json"], { allowFailure: true });
                    const engineSteps = previewSteps(preview.stdout);
                    if (preview.code === 0) {
                        assert.deepEqual(engineSteps, planSteps);
                        return;
                    }
                    // The engine stops at the first protected resource it would delete: the plan
                    // must have named that one protected, and every step the engine got to.
                    const refused = protectedDeletes(preview.stdout);
                    assert.ok(
                        refused.length > 0,
                        `the preview failed for another reason:\n${preview.stdout.slice(-2000)}`,
                    );
                    for (const urn of refused) {
                        const step = predictedSteps.find((s) => s.urn === urn);
                        assert.ok(
                            step?.op === "delete" && step.protect && step.dataAtRisk,
                            `the plan does not flag ${urn} as a protected delete`,
                        );
                    }
                    for (const step of engineSteps)
                        assert.ok(
                            planSteps.some((p) => p.urn === step.urn && p.op === step.op),
                            `not in the plan: ${step.op} ${step.urn}`,
                        );
                } finally {
                    stack.writeConfig(base);
                }
            });
        }
    });

    describe("4. drift behind Pulumi's back shows in refresh and is put back by up", () => {
        it("an app stopped through NocoBase's API", async () => {
            const client = await supervisor();
            await client.stop("helpdesk");
            await client.waitForStatus("helpdesk", "stopped", 120_000);
            // refresh reads every registration back (the stack outputs wait for the next up: a
            // refresh runs no program).
            const refresh = await stack.refresh(["--diff"]);
            assert.match(refresh.stdout, /helpdesk-registration\][\s\S]*?observedStatus\s*: "running" => "stopped"/);
            await stack.up();
            assert.equal((await stack.output<PlatformStatus>("status")).apps.helpdesk.observed, "running");
            await client.waitForAppHealthy("helpdesk", 120_000);
        });

        it("an app renamed through NocoBase's API", async () => {
            const client = await supervisor();
            const record = await client.get("crm");
            assert.ok(record?.database);
            await client.update("crm", { ...record, displayName: "Renamed by hand", database: record.database });
            const refresh = await stack.refresh(["--diff"]);
            assert.match(refresh.stdout, /displayName\s*: "Sales CRM" => "Renamed by hand"/);
            await stack.up();
            assert.equal((await client.get("crm"))?.displayName, "Sales CRM");
        });
    });

    describe("5. data safety", () => {
        it("removing an app fails pulumi up on its protected storage, naming it, before anything changes", async () => {
            await tenantSql(
                "crm",
                "CREATE TABLE engine_probe (v text); INSERT INTO engine_probe VALUES ('still here')",
            );
            stack.writeConfig(edited((c) => c.apps.splice(0, 1)));
            try {
                // A plain `pulumi up` previews first, and the preview refuses. (With --skip-preview the
                // engine deletes what depends on the storage first: see docs/data-safety.md.)
                const r = await stack.up([], { allowFailure: true, preview: true });
                assert.notEqual(r.code, 0);
                assert.match(r.stdout + r.stderr, /protect/i);
                assert.match(r.stdout + r.stderr, /platform-app-crm/);
            } finally {
                stack.writeConfig(base);
            }
            assert.equal(psql("crm", "SELECT v FROM engine_probe"), "still here");
            assert.ok(await (await supervisor()).get("crm"), "crm is still registered with NocoBase");
            await stack.preview(["--expect-no-changes"]);
        });

        it("decommissioning dumps in one run, drops in a later one", async () => {
            await tenantSql(
                "sandbox",
                "CREATE TABLE sandbox.engine_probe (v text); INSERT INTO sandbox.engine_probe VALUES ('dumped')",
            );
            base = edited((c) => (c.apps[2].state = "decommissioned"));
            stack.writeConfig(base);
            await stack.up();
            const status = await stack.output<PlatformStatus>("status");
            const backup = status.apps.sandbox.backup as {
                file: string;
                bytes: number;
                sha256: string;
                dropped: boolean;
            };
            assert.ok(backup && "file" in backup, "status shows the dump");
            assert.ok(backup.bytes > 0);
            assert.equal(backup.dropped, false);
            const listing = execFileSync("pg_restore", ["--list", backup.file], { encoding: "utf8" });
            assert.match(listing, /TABLE DATA sandbox engine_probe/);
            assert.equal(
                psql("nocobase_tenants", "SELECT v FROM sandbox.engine_probe"),
                "dumped",
                "the first run drops nothing",
            );

            base = edited((c) => (c.apps[2].dropData = true));
            stack.writeConfig(base);
            await stack.up();
            assert.equal(psql("nocobase_tenants", "SELECT count(*) FROM pg_namespace WHERE nspname = 'sandbox'"), "0");
            assert.equal(psql("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'sandbox'"), "0");
            assert.equal(
                psql("nocobase_tenants", "SELECT count(*) FROM pg_namespace WHERE nspname = 'helpdesk'"),
                "1",
                "the neighbour schema stays",
            );
        });
    });

    describe("6.", () => {
        it("no secret in plain text in the state export or the engine's output", async () => {
            const secrets = new Set<string>();
            const add = (v: unknown) => typeof v === "string" && v.length >= 8 && secrets.add(v);
            // What the running platform uses, read off the containers and NocoBase, not off the state:
            // the secret variables of every container, each tenant's database password, each app's JWT secret.
            const SECRET_ENV = /^(DB_PASSWORD|APP_KEY|INIT_ROOT_PASSWORD|APP_AES_SECRET_KEY|POSTGRES_PASSWORD)=(.*)$/;
            for (const name of leftovers(host, PREFIX).containers) {
                for (const e of JSON.parse(
                    docker(host, ["inspect", "--format", "{{json .Config.Env}}", name]),
                ) as string[])
                    add(SECRET_ENV.exec(e)?.[2]);
            }
            const databases = await stack.output<{ tenants: Record<string, { password?: string }> }>("databases", true);
            for (const t of Object.values(databases.tenants)) add(t.password);
            const client = await supervisor();
            for (const app of await client.list()) add(app.jwtSecret);
            const expected = secrets.size;
            assert.ok(expected >= 8, `found ${expected} secret values in use`);
            // And every scalar the engine itself holds as a secret (a secret object, such as a whole
            // environment list, also holds plain parts: its secret parts are the ones found above).
            const walk = (v: unknown): void => {
                if (Array.isArray(v)) return v.forEach(walk);
                if (!v || typeof v !== "object") return;
                if (SECRET_SIG in v) return void add(revealed(v));
                Object.values(v).forEach(walk);
            };
            walk(JSON.parse(await stack.export(true)));

            // A hex secret is also looked for as its bytes in base64 and base64url (a RandomId's id is
            // such an encoding, and the engine cannot hide an id).
            for (const s of [...secrets]) {
                if (!/^([0-9a-f]{2}){16,}$/.test(s)) continue;
                const bytes = Buffer.from(s, "hex");
                secrets.add(bytes.toString("base64").replace(/=+$/, ""));
                secrets.add(bytes.toString("base64url"));
            }
            const plain = await stack.export(false);
            const log = readFileSync(stack.log, "utf8");
            for (const s of secrets) {
                assert.ok(!plain.includes(s), `the plain export holds a secret (${s.slice(0, 3)}...)`);
                assert.ok(!log.includes(s), `the engine's output holds a secret (${s.slice(0, 3)}...)`);
            }
        });
    });

    describe("7. the policy pack inside the engine", () => {
        it("passes on the test stack", async () => {
            const r = await stack.preview(["--policy-pack", path.join(ROOT, "policies")]);
            assert.doesNotMatch(r.stdout, /mandatory/);
        });

        it("fails, naming the policy, on a production stack whose app shares the entry app's sessions", async () => {
            stack.writeConfig(edited((c) => (c.apps[0].jwtSecret = "shared")));
            await stack.run(["stack", "tag", "set", "environment", "production", "--stack", STACK]);
            try {
                const r = await stack.preview(["--policy-pack", path.join(ROOT, "policies")], { allowFailure: true });
                assert.notEqual(r.code, 0);
                assert.match(r.stdout + r.stderr, /no-shared-jwt-secret-in-production/);
            } finally {
                await stack.run(["stack", "tag", "rm", "environment", "--stack", STACK]);
                stack.writeConfig(base);
            }
        });
    });

    describe("8.", () => {
        it("pulumi destroy: refused while tenant storage is protected; after unprotect it removes the workloads and keeps the data", async () => {
            // A plain `pulumi destroy` previews first, and the preview refuses.
            const refused = await stack.destroy([], { allowFailure: true, preview: true });
            assert.notEqual(refused.code, 0);
            assert.match(refused.stdout + refused.stderr, /protect/i);
            assert.deepEqual(
                leftovers(host, PREFIX).containers.sort(),
                [`${PREFIX}-entry`, `${PREFIX}-postgres`],
                "nothing was removed",
            );
            assert.ok(await (await supervisor()).get("crm"), "crm is still registered with NocoBase");

            await stack.run(["state", "unprotect", "--all", "--yes", "--stack", STACK]);
            await stack.destroy();
            const left = leftovers(host, PREFIX);
            assert.deepEqual(left.containers, [], "no container is left");
            assert.deepEqual(left.networks, []);
            assert.ok(
                left.volumes.includes(`${PREFIX}-postgres-data`),
                `the data volume stays: ${left.volumes.join(", ")}`,
            );

            // The rows are still in the volume: a throwaway server on it finds them.
            const probe = `${PREFIX}-probe`;
            docker(host, [
                "run",
                "-d",
                "--name",
                probe,
                "-v",
                `${PREFIX}-postgres-data:/var/lib/postgresql/data`,
                "-e",
                "POSTGRES_PASSWORD=unused",
                LOCAL_IMAGES.postgres,
            ]);
            const rows = await poll(
                async () => {
                    try {
                        const out = docker(host, [
                            "exec",
                            probe,
                            "psql",
                            "-U",
                            "postgres",
                            "-d",
                            "crm",
                            "-At",
                            "-c",
                            "SELECT v FROM engine_probe",
                        ]);
                        return out || undefined;
                    } catch {
                        return undefined; // still starting
                    }
                },
                { timeoutMs: 60_000, intervalMs: 1_000, onTimeout: () => new Error("the probe server never answered") },
            );
            assert.equal(rows, "still here");
        });
    });
});
