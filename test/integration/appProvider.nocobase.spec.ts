// The NocoBaseApp dynamic provider against a real NocoBase 2.2.15 (multi-app manager enabled),
// started by .ci/nocobase.sh through the root hooks in nocobaseServer.ts. Each tenant's storage is
// prepared the way the stack prepares it: a LOGIN role that owns its database, or that owns its
// schema in a shared database; NocoBase only gets `new_connection` options pointing at it.
import * as assert from "node:assert/strict";
import { AppInputs, AppOutputs, NocoBaseAppProvider } from "../../components/lifecycle/appProvider";
import { providerBundle } from "../../components/lifecycle/providerBundle";
import { SupervisorClient, createSupervisorClient } from "../../components/supervisor";
import { adminSql, localAdmin } from "../support/localPostgres";
import { LOCAL_NOCOBASE_ROOT } from "../support/localNocoBase";
import { ProviderHost } from "../support/providerHost";

const ROOT = LOCAL_NOCOBASE_ROOT;
const PG = localAdmin();

// Own database: role it_db_owner owns database it_db.
const OWN_DB = { role: "it_db_owner", password: "it-db-owner-pw", database: "it_db" };
// Schemas in a shared database: each role owns its schema in it_shared.
const SHARED_DB = "it_shared";
const SCHEMA = { role: "it_sch_owner", password: "it-sch-owner-pw", schema: "it_sch" };
const SER_SCHEMA = { role: "it_ser_owner", password: "it-ser-owner-pw", schema: "it_ser" };
// Fresh ids on every run: NocoBase keeps an app's status in memory even after destroy, so a rerun
// against the same server would otherwise meet the previous run's status.
const RUN = Date.now().toString(36);
const DB_APP = `it_db_${RUN}`;
const SCHEMA_APP = `it_schema_${RUN}`;
const SER_APP = `it_ser_${RUN}`;

function tableCount(db: string, schema: string, owner: string): number {
    return Number(
        adminSql(db, `SELECT count(*) FROM pg_tables WHERE schemaname = '${schema}' AND tableowner = '${owner}'`),
    );
}

function dropStorage(): void {
    for (const db of [OWN_DB.database, SHARED_DB]) adminSql("postgres", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    for (const role of [OWN_DB.role, SCHEMA.role, SER_SCHEMA.role]) adminSql("postgres", `DROP ROLE IF EXISTS ${role}`);
}

function createStorage(): void {
    adminSql("postgres", `CREATE ROLE ${OWN_DB.role} LOGIN PASSWORD '${OWN_DB.password}'`);
    adminSql("postgres", `CREATE DATABASE ${OWN_DB.database} OWNER ${OWN_DB.role}`);
    adminSql("postgres", `REVOKE CONNECT ON DATABASE ${OWN_DB.database} FROM PUBLIC`);
    adminSql("postgres", `CREATE DATABASE ${SHARED_DB}`);
    adminSql("postgres", `REVOKE CONNECT ON DATABASE ${SHARED_DB} FROM PUBLIC`);
    for (const s of [SCHEMA, SER_SCHEMA]) {
        adminSql("postgres", `CREATE ROLE ${s.role} LOGIN PASSWORD '${s.password}'`);
        // CREATE too: NocoBase runs `CREATE SCHEMA IF NOT EXISTS` on every boot, and PostgreSQL checks
        // the privilege before it looks whether the schema exists.
        adminSql("postgres", `GRANT CONNECT, CREATE ON DATABASE ${SHARED_DB} TO ${s.role}`);
        adminSql(SHARED_DB, `CREATE SCHEMA ${s.schema} AUTHORIZATION ${s.role}`);
    }
}

/** Every app a run of this suite made, this one or an earlier one that failed. */
async function unregisterAll(client: SupervisorClient): Promise<void> {
    for (const app of await client.list()) {
        if (/^it_(db|schema|ser)_[0-9a-z]+$/.test(app.id)) await client.destroy(app.id);
    }
}

describe("NocoBaseApp provider against NocoBase 2.2.15", () => {
    const provider = new NocoBaseAppProvider();
    let entryUrl: string;
    let client: SupervisorClient;
    const savedKey = process.env.NOCOBASE_API_KEY;

    function inputs(over: Partial<AppInputs>): AppInputs {
        return {
            entryUrl,
            adapter: "applications",
            credentials: ROOT,
            appId: DB_APP,
            displayName: "IT database tenant",
            environment: "local",
            startMode: "first-visit",
            state: "running",
            database: {
                host: PG.host,
                port: PG.port,
                username: OWN_DB.role,
                password: OWN_DB.password,
                database: OWN_DB.database,
            },
            upgrade: false,
            providerVersion: "1",
            ...over,
        };
    }

    async function checked(over: Partial<AppInputs>): Promise<AppInputs> {
        const res = await provider.check({} as AppInputs, inputs(over));
        assert.deepEqual(res.failures, []);
        return res.inputs!;
    }

    const schemaApp = (over: Partial<AppInputs> = {}) =>
        checked({
            appId: SCHEMA_APP,
            displayName: "IT schema tenant",
            state: "stopped",
            database: {
                host: PG.host,
                port: PG.port,
                username: SCHEMA.role,
                password: SCHEMA.password,
                database: SHARED_DB,
                schema: SCHEMA.schema,
            },
            ...over,
        });

    before(async () => {
        delete process.env.NOCOBASE_API_KEY;
        entryUrl = process.env.NOCOBASE_IT_URL!;
        client = createSupervisorClient({ adapter: "applications", baseUrl: entryUrl, auth: ROOT });
        await client.waitForHealthy(120_000);
        await unregisterAll(client);
        dropStorage();
        createStorage();
    });

    after(async () => {
        if (savedKey !== undefined) process.env.NOCOBASE_API_KEY = savedKey;
        await unregisterAll(client);
        dropStorage();
    });

    let dbOuts: AppOutputs;
    let schemaOuts: AppOutputs;

    it("creates an app in its own database (new_connection) and starts it", async () => {
        const { id, outs } = await provider.create(
            await checked({ jwtSecret: "a".repeat(44), cname: "it-db.localhost" }),
        );
        assert.equal(id, DB_APP);
        assert.equal(outs!.observedStatus, "running");
        assert.ok(!JSON.stringify(outs).includes(OWN_DB.password) && !JSON.stringify(outs).includes("a".repeat(44)));
        dbOuts = outs as AppOutputs;
        const live = await client.get(DB_APP);
        assert.equal(live?.status, "running");
        assert.equal(live?.cname, "it-db.localhost");
        assert.equal(live?.jwtSecret, "a".repeat(44));
        assert.ok(
            tableCount(OWN_DB.database, "public", OWN_DB.role) > 50,
            "NocoBase did not install into the tenant database as its owner",
        );
    });

    it("creates an app in its own schema of a shared database, stopped, then starts it on update", async () => {
        const { outs } = await provider.create(await schemaApp());
        assert.ok(["initialized", "stopped"].includes(outs!.observedStatus), outs!.observedStatus);
        const { outs: started } = await provider.update(
            SCHEMA_APP,
            outs as AppOutputs,
            await schemaApp({ state: "running" }),
        );
        assert.equal(started!.observedStatus, "running");
        schemaOuts = started as AppOutputs;
        assert.ok(
            tableCount(SHARED_DB, SCHEMA.schema, SCHEMA.role) > 50,
            "NocoBase did not install into the tenant schema",
        );
        assert.equal(tableCount(SHARED_DB, "public", SCHEMA.role), 0, "tables leaked into the public schema");
    });

    it("diff sees nothing to do for unchanged inputs, an update for a rename, a replace for a new id", async () => {
        const same = await checked({ jwtSecret: "a".repeat(44), cname: "it-db.localhost" });
        assert.equal((await provider.diff(DB_APP, dbOuts, same)).changes, false);
        const renamed = await provider.diff(DB_APP, dbOuts, { ...same, displayName: "x" });
        assert.deepEqual([renamed.changes, renamed.replaces], [true, []]);
        assert.deepEqual((await provider.diff(DB_APP, dbOuts, { ...same, appId: "it_other" })).replaces, ["appId"]);
    });

    it("stops and starts the app through state", async () => {
        const base = { jwtSecret: "a".repeat(44), cname: "it-db.localhost" };
        const { outs: stopped } = await provider.update(DB_APP, dbOuts, await checked({ ...base, state: "stopped" }));
        assert.equal(stopped!.observedStatus, "stopped");
        assert.equal((await client.get(DB_APP))?.status, "stopped");
        const { outs: running } = await provider.update(
            DB_APP,
            stopped as AppOutputs,
            await checked({ ...base, state: "running" }),
        );
        assert.equal(running!.observedStatus, "running");
        dbOuts = running as AppOutputs;
    });

    it("updates display name, start mode, domain and JWT secret in place, and the app runs again", async () => {
        const news = await checked({
            displayName: "IT renamed",
            startMode: "with-main",
            cname: "it-db2.localhost",
            jwtSecret: "b".repeat(44),
        });
        const { outs } = await provider.update(DB_APP, dbOuts, news);
        assert.equal(outs!.observedStatus, "running");
        const live = await client.get(DB_APP);
        assert.equal(live?.displayName, "IT renamed");
        assert.equal(live?.autoStart, true);
        assert.equal(live?.cname, "it-db2.localhost");
        assert.equal(live?.jwtSecret, "b".repeat(44));
        assert.equal((await provider.diff(DB_APP, outs as AppOutputs, news)).changes, false);
        dbOuts = outs as AppOutputs;
    });

    it("read shows a change made behind its back (drift)", async () => {
        const live = (await client.get(DB_APP))!;
        await client.update(DB_APP, {
            ...live,
            database: live.database!,
            displayName: "Changed in the UI",
            autoStart: false,
        });
        const read = await provider.read(DB_APP, dbOuts);
        assert.equal(read.id, DB_APP);
        assert.equal(read.props!.displayName, "Changed in the UI");
        assert.equal(read.props!.startMode, "first-visit");
        assert.equal(read.props!.observedStatus, "running");
        assert.equal(read.props!.secretsFingerprint, dbOuts.secretsFingerprint, "secrets did not change");
        const base = {
            displayName: "IT renamed",
            startMode: "with-main" as const,
            cname: "it-db2.localhost",
            jwtSecret: "b".repeat(44),
        };
        assert.equal((await provider.diff(DB_APP, read.props as AppOutputs, await checked(base))).changes, true);
        const { outs } = await provider.update(DB_APP, read.props as AppOutputs, await checked(base));
        assert.equal((await client.get(DB_APP))?.displayName, "IT renamed");
        dbOuts = outs as AppOutputs;
    });

    it("adopts the existing app when create runs again for the same id", async () => {
        const { outs } = await provider.create(await schemaApp({ state: "running", displayName: "IT schema adopted" }));
        assert.equal(outs!.observedStatus, "running");
        const all = (await client.list()).filter((a) => a.id === SCHEMA_APP);
        assert.equal(all.length, 1);
        assert.equal(all[0].displayName, "IT schema adopted");
        schemaOuts = outs as AppOutputs;
    });

    it("delete unregisters the apps and leaves their data", async () => {
        const dbTables = tableCount(OWN_DB.database, "public", OWN_DB.role);
        const schemaTables = tableCount(SHARED_DB, SCHEMA.schema, SCHEMA.role);
        await provider.delete(DB_APP, dbOuts);
        await provider.delete(SCHEMA_APP, schemaOuts);
        assert.equal(await client.get(DB_APP), undefined);
        assert.equal(await client.get(SCHEMA_APP), undefined);
        assert.deepEqual(await provider.read(DB_APP, dbOuts), {});
        assert.equal(tableCount(OWN_DB.database, "public", OWN_DB.role), dbTables);
        assert.equal(tableCount(SHARED_DB, SCHEMA.schema, SCHEMA.role), schemaTables);
        assert.ok(Number(adminSql(OWN_DB.database, "SELECT count(*) FROM users")) >= 1, "tenant users are gone");
    });

    it("runs from its bundle in Pulumi's provider host, as pulumi up and pulumi refresh run it", async () => {
        const host = await ProviderHost.start(
            providerBundle(require.resolve("../../components/lifecycle/appProvider")),
            "pulumi-nodejs:dynamic/nocobase:App",
        );
        try {
            const ins = inputs({
                appId: SER_APP,
                displayName: "IT hosted",
                jwtSecret: "c".repeat(44),
                database: {
                    host: PG.host,
                    port: PG.port,
                    username: SER_SCHEMA.role,
                    password: SER_SCHEMA.password,
                    database: SHARED_DB,
                    schema: SER_SCHEMA.schema,
                },
            });
            const first = await host.check("hosted", {}, { ...ins, entryUrl: `${entryUrl}/` });
            assert.deepEqual(first.failures, []);
            assert.equal(first.inputs.entryUrl, entryUrl, "check normalises in the host too");
            const created = await host.create("hosted", first.inputs);
            assert.equal(created.id, SER_APP);
            assert.equal(created.outs.observedStatus, "running");
            assert.equal(created.outs.jwtSecret, undefined, "the JWT secret stays out of the state");

            const refreshed = await host.read("hosted", created.id, created.outs);
            assert.equal(refreshed.id, SER_APP);
            assert.equal(refreshed.outs.displayName, "IT hosted");
            assert.deepEqual(await host.diff("hosted", created.id, refreshed.outs, first.inputs), {
                changes: "none",
                replaces: [],
            });

            const renamed = await host.check("hosted", first.inputs, { ...ins, displayName: "IT hosted, renamed" });
            assert.deepEqual(await host.diff("hosted", created.id, refreshed.outs, renamed.inputs), {
                changes: "some",
                replaces: [],
            });
            const updated = await host.update("hosted", created.id, refreshed.outs, renamed.inputs);
            assert.equal(updated.displayName, "IT hosted, renamed");
            assert.equal((await client.get(SER_APP))?.displayName, "IT hosted, renamed");

            await host.delete("hosted", created.id, updated);
            assert.equal((await host.read("hosted", created.id, updated)).id, "", "refresh sees the app gone");
            assert.ok(tableCount(SHARED_DB, SER_SCHEMA.schema, SER_SCHEMA.role) > 50, "its data stays");
        } finally {
            host.stop();
        }
    });
});
