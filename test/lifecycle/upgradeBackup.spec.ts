/**
 * The backup before an upgrade: what the program declares (under mocks: every workload waits for
 * it, it lists every database NocoBase migrates), and what its provider does to a real PostgreSQL
 * through Pulumi's own provider host: refuse a downgrade or an upgrade with nowhere to dump in the
 * preview, dump every database when the version goes up, and fail the update when a dump fails.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { reveal } from "../../cli/harness/render";
import { UNKNOWN_VALUE } from "../../components/core/engine";
import { providerBundle } from "../../components/lifecycle/providerBundle";
import {
    UpgradeBackupInputs,
    UpgradeBackupOutputs,
    UpgradeBackupProvider,
    UpgradeRecord,
    downgradeProblem,
    versionChangeProblem,
} from "../../components/lifecycle/upgradeBackupProvider";
import { PlatformStatus, buildStatus } from "../../components/platform/status";
import type { PlatformConfig } from "../../components/config/types";
import { adminSql, localAdminLogin, tenantLogin } from "../support/localPostgres";
import { HostError, ProviderHost } from "../support/providerHost";
import { byName, renderStack } from "../support/stacks";

const UPGRADE_BACKUP = "pulumi-nodejs:dynamic/nocobase:UpgradeBackup";

/** The smallest valid platform: one entry app, no tenant. */
const EMPTY_PLATFORM: PlatformConfig = {
    mode: "shared-memory",
    nocobaseVersion: "2.2.16",
    image: "nocobase/nocobase",
    supervisor: "applications",
    adminEmail: "admin@nocobase.com",
    runtimes: { local: { name: "local", type: "docker" } },
    postgres: {
        kind: "container",
        runtime: "local",
        port: 15432,
        image: "postgres:16.10",
        tenantsDatabase: "nocobase_tenants",
    },
    entry: {
        runtime: "local",
        replicas: 1,
        port: 13000,
        url: "http://localhost:13000",
        apiUrl: "http://localhost:13000",
    },
    environments: [{ name: "local", runtime: "local", replicas: 1, sharesEntryProcess: true }],
    apps: [],
};

describe("upgrade backup under mocks", function () {
    this.timeout(60_000);

    it("every NocoBase workload's image and container wait for it", async () => {
        const r = await renderStack("staging");
        const backup = byName(r, "platform-upgrade-backup");
        assert.equal(backup.type, UPGRADE_BACKUP);
        for (const w of ["entry", "env-env_a", "env-env_b"])
            for (const part of ["image", "container"])
                assert.ok(
                    byName(r, `platform-${w}-workload-${part}`).dependencies.includes(backup.urn),
                    `platform-${w}-workload-${part}`,
                );
    });

    it("lists every migrated database with its owner's login, secret; a decommissioned app is left out", async () => {
        const r = await renderStack("prod", (c) => {
            c.backups = { location: "/var/backups/nocobase" };
            c.apps.find((a: { id: string }) => a.id === "hooli").state = "decommissioned";
            c.apps.find((a: { id: string }) => a.id === "initech").upgrade = false;
        });
        const backup = byName(r, "platform-upgrade-backup");
        const databases = reveal(backup.inputs.databases) as Array<Record<string, unknown>>;
        assert.ok(backup.additionalSecretOutputs.includes("databases"));
        const names = databases.map((d) => d.name);
        assert.ok(names.includes("entry-nocobase_main"));
        assert.ok(!names.includes("app-hooli"), "hooli is unregistered: nothing migrates its data");
        const wayne = databases.find((d) => d.name === "app-wayne")!;
        assert.deepEqual([wayne.owned, wayne.host, wayne.user], [false, "wayne-db.us.example.com", "wayne_app"]);
        const initech = databases.find((d) => d.name === "app-initech")!;
        assert.deepEqual([initech.owned, initech.host, initech.user], [true, "pg.prod.example.com", "initech"]);
        const status = r.outputs.status.value as PlatformStatus;
        assert.deepEqual(status.upgrade, { lastBackup: null, notUpgraded: ["initech"] });
        assert.deepEqual(reveal(backup.inputs.notUpgraded), ["initech"]);
    });
});

describe("upgrade backup provider on a real PostgreSQL, through Pulumi's provider host", function () {
    this.timeout(120_000);
    const id = randomBytes(4).toString("hex");
    const admin = localAdminLogin();
    const main = `ub_main_${id}`;
    const crm = `ub_crm_${id}`;
    const tenants = `ub_tenants_${id}`;
    const helpdesk = `ub_hd_${id}`;
    let location: string;
    let host: ProviderHost;

    const inputs = (version: string, extra: Record<string, unknown> = {}) => ({
        stack: "it",
        nocobaseVersion: version,
        location,
        admin,
        databases: [
            { name: `entry-${main}`, owned: true, ...tenantLogin(main, main) },
            { name: "app-crm", owned: true, ...tenantLogin(crm, crm) },
            { name: "app-helpdesk", owned: true, ...tenantLogin(helpdesk, tenants, helpdesk) },
            // Added in the same edit as the upgrade: not on the server yet.
            { name: "app-newcomer", owned: true, ...tenantLogin(`ub_new_${id}`, `ub_new_${id}`) },
        ],
        notUpgraded: ["helpdesk"],
        providerVersion: "1",
        ...extra,
    });

    before(async () => {
        location = mkdtempSync(path.join(tmpdir(), "nocobase-upgrades-"));
        for (const db of [main, crm]) {
            adminSql("postgres", `CREATE ROLE ${db} LOGIN PASSWORD 'pw'`);
            adminSql("postgres", `CREATE DATABASE ${db} OWNER ${db}`);
            adminSql("postgres", `REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
        }
        adminSql(
            main,
            `SET ROLE ${main}; CREATE TABLE applications (name text); INSERT INTO applications VALUES ('crm')`,
        );
        adminSql(crm, `SET ROLE ${crm}; CREATE TABLE deals (id int); INSERT INTO deals SELECT generate_series(1, 120)`);
        adminSql("postgres", `CREATE DATABASE ${tenants}`);
        adminSql("postgres", `CREATE ROLE ${helpdesk} LOGIN PASSWORD 'pw'`);
        adminSql(
            tenants,
            `CREATE SCHEMA ${helpdesk} AUTHORIZATION ${helpdesk}; SET ROLE ${helpdesk}; CREATE TABLE ${helpdesk}.tickets (id int); INSERT INTO ${helpdesk}.tickets SELECT generate_series(1, 30)`,
        );
        host = await ProviderHost.start(
            providerBundle(require.resolve("../../components/lifecycle/upgradeBackupProvider")),
            UPGRADE_BACKUP,
        );
    });

    after(() => {
        host?.stop();
        for (const db of [main, crm, tenants, `${crm}_restored`])
            adminSql("postgres", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        for (const role of [main, crm, helpdesk]) adminSql("postgres", `DROP ROLE IF EXISTS ${role}`);
        rmSync(location, { recursive: true, force: true });
    });

    let deployed: { id: string; outs: Record<string, unknown> };

    it("a first deploy records the version and dumps nothing", async () => {
        const checked = await host.check("backup", {}, inputs("2.2.15"));
        assert.deepEqual(checked.failures, []);
        deployed = await host.create("backup", checked.inputs);
        assert.equal(deployed.outs.lastUpgrade, null);
        assert.deepEqual(readdirSync(location), []);
    });

    it("refuses a downgrade in check and in diff, naming both versions, before anything is dumped", async () => {
        const checked = await host.check("backup", inputs("2.2.15"), inputs("2.1.41"));
        assert.deepEqual(
            checked.failures.map((f) => f.property),
            ["nocobaseVersion"],
        );
        assert.match(checked.failures[0].reason, /^NocoBase 2\.2\.15 -> 2\.1\.41 is a downgrade/);
        await assert.rejects(
            host.diff("backup", deployed.id, deployed.outs, inputs("2.1.41")),
            (e: Error) => e instanceof HostError && /2\.2\.15 -> 2\.1\.41 is a downgrade/.test(e.message),
        );
        // Minor and patch numbers compare as numbers: 2.2.9 is older than 2.2.15.
        const older = await host.check("backup", inputs("2.2.15"), inputs("2.2.9"));
        assert.match(older.failures[0]?.reason ?? "", /2\.2\.15 -> 2\.2\.9 is a downgrade/);
        assert.deepEqual(readdirSync(location), []);
    });

    it("refuses an upgrade with nowhere to dump", async () => {
        const checked = await host.check("backup", inputs("2.2.15"), inputs("2.2.16", { location: undefined }));
        assert.deepEqual(
            checked.failures.map((f) => f.reason),
            ["upgrading NocoBase 2.2.15 -> 2.2.16 dumps every database first, and needs backups.location"],
        );
    });

    it("a tenant added or removed is no change; a new version is an update, never a replacement", async () => {
        const fewer = { ...inputs("2.2.15"), databases: inputs("2.2.15").databases.slice(0, 2) };
        assert.deepEqual(await host.diff("backup", deployed.id, deployed.outs, fewer), {
            changes: "none",
            replaces: [],
        });
        assert.deepEqual(await host.diff("backup", deployed.id, deployed.outs, inputs("2.2.16")), {
            changes: "some",
            replaces: [],
        });
    });

    let upgraded: Record<string, any>;

    it("an upgrade dumps every database into upgrade-<from>-<to>-<time>/, each read back and fingerprinted", async () => {
        const checked = await host.check("backup", inputs("2.2.15"), inputs("2.2.16"));
        assert.deepEqual(checked.failures, []);
        upgraded = await host.update("backup", deployed.id, deployed.outs, checked.inputs);
        const record = upgraded.lastUpgrade;
        assert.deepEqual([record.from, record.to], ["2.2.15", "2.2.16"]);
        assert.match(record.directory, new RegExp(`^${location}/it/upgrade-2\\.2\\.15-2\\.2\\.16-\\d{4}-.*Z$`));
        assert.deepEqual(
            record.dumps.map((d: { name: string; database: string; schema?: string }) => [
                d.name,
                d.database,
                d.schema,
            ]),
            [
                [`entry-${main}`, main, undefined],
                ["app-crm", crm, undefined],
                ["app-helpdesk", tenants, helpdesk],
            ],
        );
        assert.deepEqual(record.skipped, ["app-newcomer"]);
        assert.deepEqual(record.notUpgraded, ["helpdesk"]);
        for (const d of record.dumps) {
            assert.equal(d.file, path.join(record.directory, `${d.name}.dump`));
            const bytes = readFileSync(d.file);
            const digest = createHash("sha256").update(bytes).digest("hex");
            assert.deepEqual([d.sha256, d.bytes], [digest, bytes.length], d.name);
            assert.equal(readFileSync(`${d.file}.sha256`, "utf8"), `${digest}  ${d.name}.dump\n`);
        }
        const listing = (name: string) =>
            execFileSync("pg_restore", ["--list", path.join(record.directory, `${name}.dump`)], { encoding: "utf8" });
        assert.match(listing("app-helpdesk"), new RegExp(`TABLE DATA ${helpdesk} tickets`));
        assert.match(listing(`entry-${main}`), /TABLE DATA public applications/);
        const manifest = JSON.parse(readFileSync(path.join(record.directory, "manifest.json"), "utf8"));
        assert.deepEqual(
            manifest.dumps.map((d: { sha256: string }) => d.sha256),
            record.dumps.map((d: { sha256: string }) => d.sha256),
        );
        assert.ok(!readFileSync(path.join(record.directory, "manifest.json"), "utf8").includes('"pw"'));
        // The status output shows this record, and nothing of a login.
        const status = buildStatus(EMPTY_PLATFORM, {}, {}, {}, record);
        assert.deepEqual(status.upgrade.lastBackup, {
            from: "2.2.15",
            to: "2.2.16",
            at: record.at,
            directory: record.directory,
            dumps: record.dumps.map((d: Record<string, unknown>) => ({
                name: d.name,
                file: d.file,
                bytes: d.bytes,
                sha256: d.sha256,
            })),
            skipped: ["app-newcomer"],
        });
    });

    it("the backup restores to the same rows", () => {
        const file = path.join(upgraded.lastUpgrade.directory, "app-crm.dump");
        adminSql("postgres", `CREATE DATABASE ${crm}_restored`);
        const a = admin;
        execFileSync("pg_restore", [
            "-h",
            a.host,
            "-p",
            String(a.port),
            "-U",
            a.user,
            "-d",
            `${crm}_restored`,
            "--no-owner",
            file,
        ]);
        assert.equal(adminSql(`${crm}_restored`, "SELECT count(*), sum(id) FROM deals"), "120|7260");
    });

    it("the same version again dumps nothing and keeps the last upgrade's record", async () => {
        const same = await host.check("backup", inputs("2.2.16"), inputs("2.2.16"));
        const again = await host.update("backup", deployed.id, upgraded, same.inputs);
        assert.deepEqual(again.lastUpgrade, upgraded.lastUpgrade);
        assert.equal(readdirSync(path.join(location, "it")).length, 1);
    });

    it("a dump that fails fails the update, naming the database, and leaves no manifest: not a backup", async () => {
        const broken = inputs("2.2.17");
        // External data is never skipped: a database that is not there is a failed dump.
        broken.databases.push({ name: "app-external", owned: false, ...tenantLogin(crm, `ub_missing_${id}`) });
        const checked = await host.check("backup", inputs("2.2.16"), broken);
        assert.deepEqual(checked.failures, []);
        await assert.rejects(
            host.update("backup", deployed.id, upgraded, checked.inputs),
            (e: Error) =>
                e instanceof HostError &&
                /^upgrade NocoBase 2\.2\.16 -> 2\.2\.17 stopped before any workload was replaced: the backup of app-external \(ub_missing_\w+\) failed: pg_dump failed/.test(
                    e.message,
                ),
        );
        const dirs = readdirSync(path.join(location, "it")).filter((d) => d.startsWith("upgrade-2.2.16-2.2.17-"));
        assert.equal(dirs.length, 1);
        assert.ok(!existsSync(path.join(location, "it", dirs[0], "manifest.json")), "no manifest: not a backup");
    });

    it("skips an owned schema that is not there yet, asking through an admin login that owns no database", async () => {
        // The catalogs are read from the `postgres` database: this login has no database of its name.
        const reader = `ub_reader_${id}`;
        adminSql("postgres", `CREATE ROLE ${reader} LOGIN PASSWORD 'pw'`);
        try {
            const { notUpgraded: _, ...older } = inputs("2.2.17", {
                stack: "reader",
                admin: { ...admin, user: reader, password: "pw" },
                databases: [
                    { name: "app-crm", owned: true, ...tenantLogin(crm, crm) },
                    { name: "app-later", owned: true, ...tenantLogin(helpdesk, tenants, `ub_later_${id}`) },
                ],
            });
            // A state written before `notUpgraded` existed: the record says no app was left behind.
            const { inputs: news } = await host.check("backup", {}, older);
            const outs = await host.update("backup", "reader", { ...news, nocobaseVersion: "2.2.16" }, news);
            const record = outs.lastUpgrade as UpgradeRecord;
            assert.deepEqual(
                [record.dumps.map((d) => d.name), record.skipped, record.notUpgraded],
                [["app-crm"], ["app-later"], []],
            );
        } finally {
            adminSql("postgres", `DROP ROLE IF EXISTS ${reader}`);
        }
    });

    it("names the schema of a failed dump in the error", async () => {
        const gone = inputs("2.2.18", {
            stack: "schema-failure",
            databases: [{ name: "app-gone", owned: false, ...tenantLogin(helpdesk, tenants, `ub_gone_${id}`) }],
        });
        const { inputs: checked } = await host.check("backup", {}, gone);
        await assert.rejects(
            host.update("backup", "schema-failure", { ...checked, nocobaseVersion: "2.2.17" }, checked),
            (e: Error) =>
                e instanceof HostError &&
                e.message.includes(`the backup of app-gone (${tenants}.ub_gone_${id}) failed: pg_dump failed`),
        );
    });
});

/** The provider's rules called in process, where no server is needed: check, diff and a same-version update. */
describe("upgrade backup provider's rules, in process", () => {
    const provider = new UpgradeBackupProvider();
    let location: string;
    before(() => (location = mkdtempSync(path.join(tmpdir(), "nocobase-upgrade-rules-"))));
    after(() => rmSync(location, { recursive: true, force: true }));

    const inputs = (nocobaseVersion: string, extra: Partial<UpgradeBackupInputs> = {}): UpgradeBackupInputs => ({
        stack: "dev",
        nocobaseVersion,
        location,
        databases: [],
        notUpgraded: [],
        providerVersion: "1",
        ...extra,
    });
    /** Deployed at 2.2.15, never upgraded. */
    const deployed = (): UpgradeBackupOutputs => ({ ...inputs("2.2.15"), lastUpgrade: null });
    const reasons = async (olds: Partial<UpgradeBackupInputs>, news: UpgradeBackupInputs) =>
        ((await provider.check(olds, news)).failures ?? []).map((f) => `${f.property}: ${f.reason}`);

    it("accepts the same version without a backup location, and an upgrade with one", async () => {
        assert.deepEqual(await reasons(inputs("2.2.15"), inputs("2.2.15", { location: undefined })), []);
        assert.deepEqual(await reasons(inputs("2.2.15"), inputs("2.2.16")), []);
        assert.deepEqual(await reasons({}, inputs("2.2.15", { location: undefined })), []);
        // The same release, spelled with a leading zero, is no downgrade.
        assert.equal(versionChangeProblem("2.2.15", "2.2.015", location), undefined);
    });

    it("names a version that is no release, and each database entry that would need quoting", async () => {
        const target = { host: "localhost", port: 5432, user: "u", password: "p", sslMode: "disable" };
        assert.deepEqual(
            await reasons(
                {},
                inputs("2.2", {
                    databases: [
                        { ...target, name: "app-crm", owned: true, database: "crm" },
                        { ...target, name: "App CRM", owned: true, database: 'x"y', schema: "Helpdesk" },
                    ],
                }),
            ),
            [
                "nocobaseVersion: 2.2 is not a release like 2.2.15",
                'databases[1].name: "App CRM" is not a plain PostgreSQL identifier',
                'databases[1].database: "x\\"y" is not a plain PostgreSQL identifier',
                'databases[1].schema: "Helpdesk" is not a plain PostgreSQL identifier',
            ],
        );
    });

    it("diff: a version, a location, a stack or a provider version is an update, never a replacement", async () => {
        const changes = async (news: UpgradeBackupInputs) => provider.diff("dev", deployed(), news);
        assert.deepEqual(await changes(inputs("2.2.15")), { changes: false, replaces: [], deleteBeforeReplace: false });
        for (const news of [
            inputs("2.2.16"),
            inputs("2.2.15", { location: `${location}/other` }),
            inputs("2.2.15", { stack: "prod" }),
            inputs("2.2.15", { providerVersion: "2" }),
        ])
            assert.deepEqual(await changes(news), { changes: true, replaces: [], deleteBeforeReplace: false });
        // An upgrade with nowhere to dump is check's to refuse; diff still reports the change.
        assert.equal((await changes(inputs("2.2.16", { location: undefined }))).changes, true);
        await assert.rejects(changes(inputs("2.2.14")), { message: downgradeProblem("2.2.15", "2.2.14") });
    });

    it("an update refuses a downgrade itself, even past check and diff, and dumps nothing", async () => {
        await assert.rejects(provider.update("dev", deployed(), inputs("2.2.14")), {
            message: downgradeProblem("2.2.15", "2.2.14"),
        });
        assert.deepEqual(readdirSync(location), []);
    });

    it("checks no database entry while the preview does not know the list yet", async () => {
        const news = { ...inputs("2.2.15"), databases: UNKNOWN_VALUE } as unknown as UpgradeBackupInputs;
        assert.deepEqual(await reasons({}, news), []);
    });

    it("an update that keeps the version keeps the last upgrade's record and dumps nothing", async () => {
        const lastUpgrade = {
            from: "2.2.14",
            to: "2.2.15",
            at: "t",
            directory: "d",
            dumps: [],
            skipped: [],
            notUpgraded: [],
        };
        const { outs } = await provider.update(
            "dev",
            { ...inputs("2.2.15"), lastUpgrade },
            inputs("2.2.15", { stack: "prod" }),
        );
        assert.deepEqual(outs, { ...inputs("2.2.15", { stack: "prod" }), lastUpgrade });
        assert.deepEqual(readdirSync(location), []);
    });
});
