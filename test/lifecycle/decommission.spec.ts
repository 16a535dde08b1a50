/**
 * Decommissioning: what the program declares for a decommissioned app (under mocks), and what the
 * decommission provider does to a real PostgreSQL: dump first, drop only when asked, and never
 * without an intact dump.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { SecretValue, reveal } from "../../cli/harness/render";
import { providerBundle } from "../../components/lifecycle/providerBundle";
import {
    AppDecommissionProvider,
    DecommissionInputs,
    DecommissionOutputs,
} from "../../components/lifecycle/decommissionProvider";
import type { PlatformStatus } from "../../components/platform/status";
import { formatIssues, validateStackConfig } from "../../components/config/validate";
import { adminSql, localAdminLogin, tenantLogin } from "../support/localPostgres";
import { ProviderHost } from "../support/providerHost";
import { byName, compare, ofType, renderStack } from "../support/stacks";

const DECOMMISSION = "pulumi-nodejs:dynamic/nocobase:Decommission";

describe("decommissioning under mocks", function () {
    this.timeout(60_000);
    const retire = (dropData?: boolean) => (c: Record<string, any>) => {
        c.backups = { location: "/var/backups/nocobase" };
        Object.assign(
            c.apps.find((a: any) => a.id === "hooli"),
            { state: "decommissioned", ...(dropData === undefined ? {} : { dropData }) },
        );
    };

    it("unregisters the app, dumps it, and keeps its storage, no longer protected but retained", async () => {
        const base = await renderStack("prod");
        const r = await renderStack("prod", retire());
        const d = compare(base, r);
        assert.deepEqual(
            d.removed.map((u) => u.split("::").pop()),
            ["platform-app-hooli-registration"],
        );
        assert.deepEqual(
            d.added.map((u) => u.split("::").pop()),
            ["platform-app-hooli-decommission"],
        );
        const dc = byName(r, "platform-app-hooli-decommission");
        assert.equal(dc.type, DECOMMISSION);
        for (const key of ["tenant", "admin"]) assert.ok(dc.inputs[key] instanceof SecretValue, `${key} is secret`);
        assert.equal((reveal(dc.inputs.tenant) as any).database, "hooli");
        assert.equal(
            (reveal(dc.inputs.tenant) as any).host,
            "pg.prod.example.com",
            "pg_dump reaches the server as pulumi up does",
        );
        assert.equal(dc.inputs.role, "hooli");
        assert.equal(dc.inputs.dropData, false);
        for (const name of ["platform-app-hooli-db-role", "platform-app-hooli-db-database"]) {
            assert.equal(byName(r, name).protect, false, `${name} may now leave the program`);
            assert.equal(byName(r, name).retainOnDelete, true, `${name} stays on the server when it does`);
        }
        const status = r.outputs.status.value as PlatformStatus;
        assert.equal(status.apps.hooli.desired.state, "decommissioned");
        assert.equal(status.apps.hooli.observed, null);
        assert.match(
            (status.apps.hooli.backup as { file: string }).file,
            /^\/var\/backups\/nocobase\/prod\/hooli-.*\.dump$/,
        );
        assert.equal(status.totals.decommissioned, 1);
        assert.equal(status.totals.observed.running + status.totals.observed.stopped, status.totals.apps - 1);
    });

    it("with dropData, the storage leaves the program and the decommission is told to drop", async () => {
        const kept = await renderStack("prod", retire(false));
        const r = await renderStack("prod", retire(true));
        const d = compare(kept, r);
        assert.deepEqual(d.added, []);
        assert.deepEqual(d.removed.map((u) => u.split("::").pop()).sort(), [
            "platform-app-hooli-db",
            "platform-app-hooli-db-connect",
            "platform-app-hooli-db-database",
            "platform-app-hooli-db-role",
        ]);
        assert.deepEqual(
            d.changed.map((u) => u.split("::").pop()),
            ["platform-app-hooli-decommission"],
        );
        assert.equal(byName(r, "platform-app-hooli-decommission").inputs.dropData, true);
        // Unprotected in the previous run, retained: the engine forgets them; the provider drops the data.
        const storage = kept.registrations.filter(
            (x) => d.removed.includes(x.urn) && /postgresql:index\/(role|database):/.test(x.type),
        );
        assert.equal(storage.length, 2);
        assert.ok(storage.every((x) => !x.protect && x.retainOnDelete));
    });

    it("a decommissioned external connection is dumped with the app's own login and never dropped", async () => {
        const r = await renderStack("prod", (c) => {
            c.backups = { location: "./backups" };
            for (const id of ["wayne", "tyrell"]) c.apps.find((a: any) => a.id === id).state = "decommissioned";
        });
        // The stack file says nothing of an external server's TLS: what libpq tries by default.
        const login = (id: string) => {
            const { password: _, ...rest } = reveal(byName(r, `platform-app-${id}-decommission`).inputs.tenant) as any;
            return rest;
        };
        assert.deepEqual(login("wayne"), {
            host: "wayne-db.us.example.com",
            port: 5432,
            user: "wayne_app",
            sslMode: "prefer",
            database: "wayne",
        });
        assert.deepEqual(login("tyrell"), {
            host: "tyrell-db.us.example.com",
            port: 6432,
            user: "tyrell_app",
            sslMode: "prefer",
            database: "tyrell",
            schema: "nocobase",
        });
        const dc = byName(r, "platform-app-wayne-decommission");
        assert.equal(dc.inputs.admin, undefined);
        assert.equal(dc.inputs.role, undefined);
        assert.equal(ofType(r, DECOMMISSION).length, 2);
    });

    const base = () => ({
        platform: { mode: "shared-memory", nocobaseVersion: "2.2.15" },
        runtimes: { local: { type: "docker" } },
        postgres: { runtime: "local" },
        entry: { runtime: "local" },
        apps: [{ id: "crm", displayName: "CRM", database: { mode: "database" } } as Record<string, unknown>],
    });
    const issues = (c: Record<string, any>, secret: string[] = []) => {
        const result = validateStackConfig({ values: c, secretKeys: new Set(secret) });
        return result.ok ? "" : formatIssues(result.issues);
    };

    it("validation: decommissioning needs a backup location; dropData needs decommissioning and stack-owned data", () => {
        const c = base();
        c.apps[0].state = "decommissioned";
        assert.match(issues(c), /^apps\[0\]\.state: decommissioned needs backups\.location/);
        const d = base();
        d.apps[0].dropData = true;
        assert.equal(issues(d), "apps[0].dropData: only with state decommissioned (the app is running)");
        const e: Record<string, any> = { ...base(), backups: { location: "/backups" } };
        e.apps[0] = {
            id: "ext",
            displayName: "Ext",
            state: "decommissioned",
            dropData: true,
            database: { mode: "connection", host: "db", user: "u", password: "p", database: "d" },
        };
        assert.equal(
            issues(e, ["apps"]),
            "apps[0].dropData: an external connection's data is not this stack's to drop",
        );
        assert.match(
            issues({ ...base(), backups: { location: "backups" } }),
            /^backups\.location: must be a directory path/,
        );
    });
});

describe("decommission provider on a real PostgreSQL", function () {
    this.timeout(60_000);
    const id = randomBytes(4).toString("hex");
    const admin = localAdminLogin();
    const dbRole = `dc_db_${id}`;
    const schemaRole = `dc_sc_${id}`;
    const neighbourRole = `dc_nb_${id}`;
    const tenants = `dc_tenants_${id}`;
    let scratch: string;
    let location: string;

    const inputs = (
        appId: string,
        tenant: DecommissionInputs["tenant"],
        role: string,
        dropData = false,
    ): DecommissionInputs => ({
        appId,
        stack: "it",
        location,
        tenant,
        admin,
        role,
        dropData,
        providerVersion: "1",
    });

    before(() => {
        scratch = mkdtempSync(path.join(tmpdir(), "nocobase-backups-"));
        // A location that does not exist yet: the provider makes the whole path.
        location = path.join(scratch, "backups", "nocobase");
        // Exactly what TenantDatabase creates: an owning login role, PUBLIC's CONNECT revoked.
        adminSql("postgres", `CREATE ROLE ${dbRole} LOGIN PASSWORD 'pw' NOSUPERUSER NOCREATEDB NOCREATEROLE`);
        adminSql("postgres", `CREATE DATABASE ${dbRole} OWNER ${dbRole}`);
        adminSql("postgres", `REVOKE ALL ON DATABASE ${dbRole} FROM PUBLIC`);
        adminSql(
            dbRole,
            `SET ROLE ${dbRole}; CREATE TABLE customers (id int primary key, name text); INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 250) g`,
        );
        // And what SharedTenantsDatabase + schema mode create: two tenants' schemas in one database.
        adminSql("postgres", `CREATE DATABASE ${tenants}`);
        for (const role of [schemaRole, neighbourRole]) {
            adminSql("postgres", `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
            adminSql(
                tenants,
                `CREATE SCHEMA ${role} AUTHORIZATION ${role}; SET ROLE ${role}; CREATE TABLE ${role}.tickets (id int); INSERT INTO ${role}.tickets SELECT generate_series(1, 40)`,
            );
        }
    });

    after(() => {
        adminSql("postgres", `DROP DATABASE IF EXISTS ${dbRole} WITH (FORCE)`);
        adminSql("postgres", `DROP DATABASE IF EXISTS ${tenants} WITH (FORCE)`);
        adminSql("postgres", `DROP DATABASE IF EXISTS ${dbRole}_restored WITH (FORCE)`);
        for (const role of [dbRole, schemaRole, neighbourRole]) adminSql("postgres", `DROP ROLE IF EXISTS ${role}`);
        rmSync(scratch, { recursive: true, force: true });
    });

    const provider = new AppDecommissionProvider();
    let dumped: DecommissionOutputs;

    it("refuses to drop in the run that decommissions: the dump must come from an earlier run", async () => {
        await assert.rejects(
            provider.create(inputs("crm", tenantLogin(dbRole, dbRole), dbRole, true)),
            /dropData needs the app decommissioned \(dumped\) by an earlier pulumi up/,
        );
        assert.equal(adminSql("postgres", `SELECT count(*) FROM pg_database WHERE datname = '${dbRole}'`), "1");
    });

    it("dumps a database into <location>/<stack>/ and leaves the data in place", async () => {
        const created = await provider.create(inputs("crm", tenantLogin(dbRole, dbRole), dbRole));
        dumped = created.outs as DecommissionOutputs;
        assert.equal(created.id, "it/crm");
        // Named by the app and the moment, with nothing a file system or a shell would trip on.
        assert.match(
            dumped.backupFile,
            new RegExp(`^${location}/it/crm-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}-\\d{3}Z\\.dump$`),
        );
        assert.ok(dumped.backupBytes > 0 && existsSync(dumped.backupFile));
        assert.match(
            execFileSync("pg_restore", ["--list", dumped.backupFile], { encoding: "utf8" }),
            /TABLE DATA public customers/,
        );
        assert.equal(adminSql(dbRole, "SELECT count(*) FROM customers"), "250");
        assert.equal(dumped.dropped, false);
    });

    it("the dump restores to the same data", () => {
        adminSql("postgres", `CREATE DATABASE ${dbRole}_restored`);
        execFileSync("pg_restore", [
            "-h",
            admin.host,
            "-p",
            String(admin.port),
            "-U",
            admin.user,
            "-d",
            `${dbRole}_restored`,
            "--no-owner",
            dumped.backupFile,
        ]);
        assert.equal(adminSql(`${dbRole}_restored`, "SELECT count(*), sum(id) FROM customers"), "250|31375");
    });

    it("does nothing to the data while dropData stays false", async () => {
        const diff = await provider.diff("it/crm", dumped, inputs("crm", tenantLogin(dbRole, dbRole), dbRole));
        assert.equal(diff.changes, false);
    });

    it("updates in place, without a new dump, for a new provider version", async () => {
        const bumped = { ...inputs("crm", tenantLogin(dbRole, dbRole), dbRole), providerVersion: "2" };
        assert.deepEqual(await provider.diff("it/crm", dumped, bumped), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
    });

    it("refuses to drop when the dump changed since it was written", async () => {
        const original = execFileSync("cat", [dumped.backupFile]);
        writeFileSync(dumped.backupFile, Buffer.concat([original, Buffer.from("tampered")]));
        await assert.rejects(
            provider.update("it/crm", dumped, inputs("crm", tenantLogin(dbRole, dbRole), dbRole, true)),
            /changed since it was written/,
        );
        assert.equal(adminSql(dbRole, "SELECT count(*) FROM customers"), "250");
        writeFileSync(dumped.backupFile, original);
    });

    it("refuses to drop when the dump is gone", async () => {
        const away = `${dumped.backupFile}.away`;
        renameSync(dumped.backupFile, away);
        try {
            await assert.rejects(
                provider.update("it/crm", dumped, inputs("crm", tenantLogin(dbRole, dbRole), dbRole, true)),
                new RegExp(`not dropping crm: its dump ${dumped.backupFile} is gone`),
            );
        } finally {
            renameSync(away, dumped.backupFile);
        }
        assert.equal(adminSql(dbRole, "SELECT count(*) FROM customers"), "250");
    });

    it("refuses to drop data the stack does not own (an external connection: no admin login, no role)", async () => {
        const external = {
            ...inputs("crm", tenantLogin(dbRole, dbRole), dbRole, true),
            admin: undefined,
            role: undefined,
        };
        await assert.rejects(
            provider.update("it/crm", { ...dumped, admin: undefined, role: undefined }, external),
            /not dropping crm: its data is not this stack's \(external connection\)/,
        );
        assert.equal(adminSql(dbRole, "SELECT count(*) FROM customers"), "250");
    });

    it("with dropData, drops the database and the role after checking the dump", async () => {
        const diff = await provider.diff("it/crm", dumped, inputs("crm", tenantLogin(dbRole, dbRole), dbRole, true));
        assert.deepEqual([diff.changes, diff.replaces], [true, []]);
        const updated = await provider.update(
            "it/crm",
            dumped,
            inputs("crm", tenantLogin(dbRole, dbRole), dbRole, true),
        );
        assert.equal(updated.outs?.dropped, true);
        assert.equal(adminSql("postgres", `SELECT count(*) FROM pg_database WHERE datname = '${dbRole}'`), "0");
        assert.equal(adminSql("postgres", `SELECT count(*) FROM pg_roles WHERE rolname = '${dbRole}'`), "0");
        assert.ok(existsSync(dumped.backupFile), "the dump stays");
        await assert.rejects(
            provider.update("it/crm", updated.outs!, inputs("crm", tenantLogin(dbRole, dbRole), dbRole, false)),
            /was dropped; restore it from/,
        );
    });

    it("schema mode: dumps and drops one schema through Pulumi's provider host, leaving the neighbour intact", async () => {
        // The engine runs the provider from the bundle the resource carries, in a Node of its own.
        const host = await ProviderHost.start(
            providerBundle(require.resolve("../../components/lifecycle/decommissionProvider")),
            DECOMMISSION,
        );
        try {
            const tenant = tenantLogin(schemaRole, tenants, schemaRole);
            const checked = await host.check("helpdesk", {}, { ...inputs("helpdesk", tenant, schemaRole) });
            assert.deepEqual(checked.failures, []);
            const created = await host.create("helpdesk", checked.inputs);
            assert.equal(created.id, "it/helpdesk");
            const listing = execFileSync("pg_restore", ["--list", created.outs.backupFile as string], {
                encoding: "utf8",
            });
            assert.match(listing, new RegExp(`TABLE DATA ${schemaRole} tickets`));
            assert.doesNotMatch(listing, new RegExp(neighbourRole), "only the app's own schema is dumped");

            const dropping = await host.check("helpdesk", created.outs, {
                ...inputs("helpdesk", tenant, schemaRole, true),
            });
            assert.deepEqual(await host.diff("helpdesk", created.id, created.outs, dropping.inputs), {
                changes: "some",
                replaces: [],
            });
            const updated = await host.update("helpdesk", created.id, created.outs, dropping.inputs);
            assert.equal(updated.dropped, true);
            assert.equal(adminSql(tenants, `SELECT count(*) FROM pg_namespace WHERE nspname = '${schemaRole}'`), "0");
            assert.equal(adminSql("postgres", `SELECT count(*) FROM pg_roles WHERE rolname = '${schemaRole}'`), "0");
            assert.equal(adminSql(tenants, `SELECT count(*) FROM ${neighbourRole}.tickets`), "40");
        } finally {
            host.stop();
        }
    });

    it("rejects identifiers that would need quoting before touching anything", async () => {
        const result = await provider.check(
            inputs("crm", tenantLogin(dbRole, dbRole), dbRole),
            inputs("crm", tenantLogin(dbRole, 'x"; DROP DATABASE postgres; --'), dbRole),
        );
        assert.deepEqual(
            result.failures?.map((f) => f.property),
            ["tenant.database"],
        );
        // Every name that reaches SQL is checked, each failure at its own property.
        const all = await provider.check(
            inputs("crm", tenantLogin(dbRole, dbRole), dbRole),
            inputs("crm-1", tenantLogin(dbRole, "db two", "s;"), "Role"),
        );
        assert.deepEqual(
            all.failures?.map((f) => [f.property, f.reason]),
            [
                ["appId", 'appId: "crm-1" is not a plain PostgreSQL identifier'],
                ["tenant.database", 'tenant.database: "db two" is not a plain PostgreSQL identifier'],
                ["tenant.schema", 'tenant.schema: "s;" is not a plain PostgreSQL identifier'],
                ["role", 'role: "Role" is not a plain PostgreSQL identifier'],
            ],
        );
        // In a preview the login may not be known yet: nothing to check, and no crash.
        const unknown = { ...inputs("crm", tenantLogin(dbRole, dbRole), dbRole), tenant: undefined as never };
        assert.deepEqual((await provider.check(unknown, unknown)).failures, []);
    });
});
