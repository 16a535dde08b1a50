/**
 * Restoring a tenant from its dump: what the program declares for `restoreFrom` (under mocks), and
 * what the restore provider does to a real PostgreSQL through Pulumi's own provider host: a
 * decommission's dump restored into fresh storage brings the rows back; storage that holds data,
 * or a dump that changed since it was written, is refused.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { reveal } from "../../cli/harness/render";
import { AppDecommissionProvider } from "../../components/lifecycle/decommissionProvider";
import { providerBundle } from "../../components/lifecycle/providerBundle";
import { RestoreInputs, RestoreOutputs, TenantRestoreProvider } from "../../components/lifecycle/restoreProvider";
import { adminSql, localAdminLogin, tenantLogin } from "../support/localPostgres";
import { PgTarget, dumpTo } from "../../components/lifecycle/pgTools";
import { HostError, ProviderHost } from "../support/providerHost";
import { byName } from "../support/stacks";
import { renderTyped } from "../support/typedStacks";

const RESTORE = "pulumi-nodejs:dynamic/nocobase:Restore";

describe("restoreFrom under mocks", function () {
    this.timeout(60_000);

    it("restores the new storage before the app is registered, with the app's own login", async () => {
        const r = await renderTyped("dev", (c) => ({
            ...c,
            apps: c.apps.map((a) => (a.id === "crm" ? { ...a, restoreFrom: "/var/backups/nocobase/dev/crm.dump" } : a)),
        }));
        const restore = byName(r, "platform-app-crm-restore");
        assert.equal(restore.type, RESTORE);
        assert.equal(restore.inputs.file, "/var/backups/nocobase/dev/crm.dump");
        const target = reveal(restore.inputs.target) as Record<string, unknown>;
        assert.deepEqual([target.user, target.database, target.host], ["crm", "crm", "localhost"]);
        assert.ok(restore.additionalSecretOutputs.includes("target"));
        assert.ok(restore.dependencies.includes(byName(r, "platform-app-crm-db-database").urn), "after its database");
        assert.ok(
            byName(r, "platform-app-crm-registration").dependencies.includes(restore.urn),
            "before its registration",
        );
        assert.equal(r.registrations.filter((x) => x.type === RESTORE).length, 1, "only where asked");
    });
});

describe("restore provider on a real PostgreSQL, through Pulumi's provider host", function () {
    this.timeout(120_000);
    const id = randomBytes(4).toString("hex");
    const admin = localAdminLogin();
    const source = `rs_src_${id}`;
    const fresh = `rs_new_${id}`;
    const tenants = `rs_tenants_${id}`;
    const schemaRole = `rs_sc_${id}`;
    let location: string;
    let host: ProviderHost;
    let databaseDump: string;
    let schemaDump: string;

    const restore = async (appId: string, file: string, target: PgTarget) => {
        const checked = await host.check(appId, {}, { appId, file, target, providerVersion: "1" });
        assert.deepEqual(checked.failures, []);
        return host.create(appId, checked.inputs);
    };

    before(async () => {
        location = mkdtempSync(path.join(tmpdir(), "nocobase-restores-"));
        // A tenant as TenantDatabase makes it, with rows, decommissioned (dumped) by its provider.
        for (const role of [source, fresh]) {
            adminSql("postgres", `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
            adminSql("postgres", `CREATE DATABASE ${role} OWNER ${role}`);
            adminSql("postgres", `REVOKE ALL ON DATABASE ${role} FROM PUBLIC`);
        }
        adminSql(
            source,
            `SET ROLE ${source}; CREATE TABLE customers (id serial primary key, name text); INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 75) g`,
        );
        adminSql("postgres", `CREATE DATABASE ${tenants}`);
        adminSql("postgres", `CREATE ROLE ${schemaRole} LOGIN PASSWORD 'pw'`);
        adminSql(
            tenants,
            `CREATE SCHEMA ${schemaRole} AUTHORIZATION ${schemaRole}; SET ROLE ${schemaRole}; CREATE TABLE ${schemaRole}.tickets (id int); INSERT INTO ${schemaRole}.tickets SELECT generate_series(1, 40)`,
        );
        const decommission = new AppDecommissionProvider();
        const common = { stack: "it", location, admin, dropData: false, providerVersion: "1" };
        databaseDump = (
            await decommission.create({ ...common, appId: "crm", tenant: tenantLogin(source, source), role: source })
        ).outs!.backupFile;
        schemaDump = (
            await decommission.create({
                ...common,
                appId: "helpdesk",
                tenant: tenantLogin(schemaRole, tenants, schemaRole),
                role: schemaRole,
            })
        ).outs!.backupFile;
        host = await ProviderHost.start(
            providerBundle(require.resolve("../../components/lifecycle/restoreProvider")),
            RESTORE,
        );
    });

    after(() => {
        host?.stop();
        for (const db of [source, fresh, tenants]) adminSql("postgres", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        for (const role of [source, fresh, schemaRole]) adminSql("postgres", `DROP ROLE IF EXISTS ${role}`);
        rmSync(location, { recursive: true, force: true });
    });

    it("restores a decommissioned tenant's dump into fresh storage: the rows are back, owned by the app's role", async () => {
        const created = await restore("crm", databaseDump, tenantLogin(fresh, fresh));
        assert.equal(created.outs.verified, true, "the SHA-256 written beside the dump was checked");
        assert.equal(adminSql(fresh, "SELECT count(*), sum(id) FROM customers"), "75|2850");
        assert.equal(adminSql(fresh, "SELECT tableowner FROM pg_tables WHERE tablename = 'customers'"), fresh);
        // The serial's sequence came along: the app goes on numbering after its last row.
        assert.equal(
            adminSql(fresh, `SET ROLE ${fresh}; INSERT INTO customers (name) VALUES ('x') RETURNING id`),
            "76",
        );
    });

    it("restores a dump with no SHA-256 beside it, unverified, and one whose database has more schemas than the app's", async () => {
        const other = `rs_multi_${id}`;
        adminSql("postgres", `CREATE ROLE ${other} LOGIN PASSWORD 'pw'`);
        try {
            for (const db of [other, `${other}_new`]) adminSql("postgres", `CREATE DATABASE ${db} OWNER ${other}`);
            adminSql(
                other,
                `SET ROLE ${other}; CREATE SCHEMA audit; CREATE TABLE audit.log (id int); CREATE TABLE deals (id int); INSERT INTO deals VALUES (1), (2)`,
            );
            const file = path.join(location, "multi.dump");
            await dumpTo(tenantLogin(other, other), file);
            rmSync(`${file}.sha256`);
            const created = await restore("sales", file, tenantLogin(other, `${other}_new`));
            assert.equal(created.outs.verified, false);
            assert.equal(adminSql(`${other}_new`, "SELECT count(*) FROM deals"), "2");
            assert.equal(adminSql(`${other}_new`, "SELECT count(*) FROM audit.log"), "0");
        } finally {
            for (const db of [other, `${other}_new`])
                adminSql("postgres", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
            adminSql("postgres", `DROP ROLE IF EXISTS ${other}`);
        }
    });

    it("refuses a restore into storage that already holds data, and leaves it as it was", async () => {
        await assert.rejects(
            restore("crm", databaseDump, tenantLogin(fresh, fresh)),
            (e: Error) =>
                e instanceof HostError &&
                new RegExp(`not restoring .* into ${fresh}: it already holds \\d+ tables, views or sequences`).test(
                    e.message,
                ),
        );
        assert.equal(adminSql(fresh, "SELECT count(*) FROM customers"), "76");
    });

    it("refuses a dump that changed since it was written, before touching the storage", async () => {
        const copy = path.join(location, "tampered.dump");
        copyFileSync(databaseDump, copy);
        copyFileSync(`${databaseDump}.sha256`, `${copy}.sha256`);
        appendFileSync(copy, "tampered");
        adminSql("postgres", `DROP DATABASE ${fresh} WITH (FORCE)`);
        adminSql("postgres", `CREATE DATABASE ${fresh} OWNER ${fresh}`);
        await assert.rejects(
            restore("crm", copy, tenantLogin(fresh, fresh)),
            /does not match the SHA-256 recorded in .*tampered\.dump\.sha256/,
        );
        assert.equal(adminSql(fresh, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
    });

    it("schema mode: a dropped tenant's schema, created again empty, gets its rows back; a neighbour's dump is refused", async () => {
        adminSql(tenants, `DROP SCHEMA ${schemaRole} CASCADE; CREATE SCHEMA ${schemaRole} AUTHORIZATION ${schemaRole}`);
        // The database-mode dump holds nothing of this schema: restoring it here would put rows elsewhere.
        await assert.rejects(
            restore("helpdesk", databaseDump, tenantLogin(schemaRole, tenants, schemaRole)),
            new RegExp(`holds nothing in schema ${schemaRole}`),
        );
        const created = await restore("helpdesk", schemaDump, tenantLogin(schemaRole, tenants, schemaRole));
        assert.equal(created.outs.relations, 1);
        assert.equal(adminSql(tenants, `SELECT count(*) FROM ${schemaRole}.tickets`), "40");
    });

    it("rejects a relative path and identifiers that would need quoting, before touching anything", async () => {
        const checked = await host.check(
            "crm",
            {},
            { appId: "crm", file: "backups/crm.dump", target: tenantLogin(fresh, 'x"; DROP'), providerVersion: "1" },
        );
        assert.deepEqual(
            checked.failures.map((f) => f.property),
            ["file", "target.database"],
        );
    });

    it("in process: a dump that is not there, and a restore the server refuses, named; no temporary folder stays", async () => {
        const provider = new TenantRestoreProvider();
        const missing = path.join(location, "gone.dump");
        await assert.rejects(
            provider.create({ appId: "crm", file: missing, target: tenantLogin(fresh, fresh), providerVersion: "1" }),
            { message: `crm: not restoring: restoreFrom ${missing} does not exist` },
        );
        // The restore leaves out the schema's creation (the platform makes it): without the schema the
        // server refuses the first table, and the single transaction restores nothing.
        adminSql(tenants, `DROP SCHEMA ${schemaRole} CASCADE`);
        const scratch = mkdtempSync(path.join(tmpdir(), "restore-scratch-"));
        const tmp = process.env.TMPDIR;
        process.env.TMPDIR = scratch;
        try {
            await assert.rejects(
                provider.create({
                    appId: "helpdesk",
                    file: schemaDump,
                    target: tenantLogin(schemaRole, tenants, schemaRole),
                    providerVersion: "1",
                }),
                (e: Error) =>
                    e.message.startsWith(
                        `helpdesk: restoring ${schemaDump} into ${tenants}.${schemaRole} failed, nothing was restored: pg_restore failed`,
                    ),
            );
            assert.deepEqual(readdirSync(scratch), [], "the entry list's folder is removed");
        } finally {
            if (tmp === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = tmp;
            rmSync(scratch, { recursive: true, force: true });
        }
    });
});

/** The provider's diff and update called in process: which change is another restore. */
describe("restore provider's rules, in process", () => {
    const provider = new TenantRestoreProvider();
    const login = { host: "localhost", port: 5432, user: "crm", password: "a", sslMode: "disable" };
    const inputs = (over: Partial<RestoreInputs> = {}, target: Partial<PgTarget> = {}): RestoreInputs => ({
        appId: "crm",
        file: "/backups/crm.dump",
        target: { ...login, database: "crm", ...target },
        providerVersion: "1",
        ...over,
    });
    const deployed: RestoreOutputs = {
        ...inputs(),
        sha256: "0".repeat(64),
        bytes: 10,
        verified: true,
        relations: 3,
        restoredAt: "2026-01-01T00:00:00.000Z",
    };
    const diff = (news: RestoreInputs) => provider.diff("crm", deployed, news);

    it("another dump, app or storage is another restore: a replacement, each named", async () => {
        const cases: Array<[RestoreInputs, string[]]> = [
            [inputs({ file: "/backups/other.dump" }), ["file"]],
            [inputs({ appId: "sales" }), ["appId"]],
            [inputs({}, { database: "crm2" }), ["target"]],
            [inputs({}, { schema: "crm" }), ["target"]],
            [inputs({ file: "/backups/other.dump", appId: "sales" }, { database: "x" }), ["file", "appId", "target"]],
        ];
        for (const [news, replaces] of cases)
            assert.deepEqual(await diff(news), { changes: true, replaces, deleteBeforeReplace: false });
    });

    it("a new password is no change; a new provider version is an update that restores nothing", async () => {
        assert.deepEqual(await diff(inputs({}, { password: "b", port: 6432 })), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        const news = inputs({ providerVersion: "2" });
        assert.deepEqual(await diff(news), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual((await provider.update("crm", deployed, news)).outs, { ...deployed, providerVersion: "2" });
    });

    it("names each input that is no absolute path or plain identifier, with the value", async () => {
        const { failures } = await provider.check(
            inputs(),
            inputs({ file: "crm.dump", appId: "Crm" }, { schema: "a b" }),
        );
        assert.deepEqual(
            failures?.map((f) => `${f.property}: ${f.reason}`),
            [
                "file: crm.dump is not an absolute path",
                'appId: "Crm" is not a plain PostgreSQL identifier',
                'target.schema: "a b" is not a plain PostgreSQL identifier',
            ],
        );
    });
});
