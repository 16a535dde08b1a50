/**
 * Day two under the real engine, on the Docker runtime with a real NocoBase: a change of
 * platform.nocobaseVersion dumps every database the platform owns before the workloads are
 * replaced, the tenants' rows survive it and the dumps restore; a downgrade is refused before
 * anything changes; a decommissioned tenant comes back from its dump with `restoreFrom`.
 *
 * The version the upgrade starts from is NocoBase 2.1.41 in name only. The npm registry this
 * project's machines reach serves one complete NocoBase release, the local image's (2.2.15): of
 * 2.1.41 it has a few packages, but neither create-nocobase-app, nor the preset, nor most plugins
 * (`.ci/images.sh build nocobase@2.1.41` says so). So the 2.1.41 workloads run a test-only image
 * (STAND_IN): the 2.2.15 image committed again with a label that says so, an image of its own to
 * the engine. What this proves is the platform's part of an upgrade, which does not depend on what
 * the image holds: the order of the steps, the dumps, the workloads replaced with the new image,
 * the data kept, the refusal. NocoBase's own migration of 2.1.41 data is not proven here. Steps
 * run in order and share one deployed stack.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import type { PlatformStatus } from "../../components/platform/status";
import { UPGRADE_MANIFEST } from "../../components/core/backups";
import { docker, dockerHost, removeLeftovers } from "./support/docker";
import { freePort, postgresAdminPassword, psqlAt, stackSupervisor, tenantSql } from "./support/dockerStack";
import { EngineStack, skipAfterFirstFailure } from "./support/engine";
import { LOCAL_IMAGES, LOCAL_NOCOBASE_VERSION } from "./support/images";

const STACK = "upgradetest";
const PREFIX = `nocobase-${STACK}`;
const FROM = "2.1.41";
const TO = LOCAL_NOCOBASE_VERSION;
/** The repository of the stand-in for FROM's image (see above); the suite makes and removes it. */
const STAND_IN = "nocobase-platform-local/nocobase-upgrade-stand-in";
const STAND_IN_LABEL = "org.nocobase-platform.stands-in-for";
const SCRATCH = ["upgradetest_scratch_ledger", "upgradetest_scratch_notes"];

type Config = Record<string, any>;

const APPS = [
    { id: "ledger", displayName: "Ledger", database: { mode: "database" } },
    { id: "notes", displayName: "Notes", database: { mode: "schema" } },
];
/** The row each tenant holds, in a table of its own role. */
const PROBE: Record<string, { table: string; value: string }> = {
    ledger: { table: "upgrade_probe", value: "ledger row" },
    notes: { table: "notes.upgrade_probe", value: "notes row" },
};

describe("upgrade with a backup first, and restore from a dump, under the real engine", function () {
    let stack: EngineStack;
    let host: string;
    let base: Config;
    let pgPort: number;
    let entryPort: number;
    let adminPassword: string;
    let backups: string;
    const suite = skipAfterFirstFailure(() => stack);
    /** The stand-in image, once this run made it. */
    let standIn: string | undefined;

    const psql = (database: string, sql: string) => psqlAt(pgPort, "postgres", adminPassword, database, sql);
    const probe = (app: string) => tenantSql(stack, pgPort, app, `SELECT v FROM ${PROBE[app].table}`);
    const entry = () => JSON.parse(docker(host, ["inspect", `${PREFIX}-entry`]))[0];
    const imageId = (ref: string) => docker(host, ["image", "inspect", "-f", "{{.Id}}", ref]);
    const upgradeDirs = () =>
        existsSync(path.join(backups, STACK))
            ? readdirSync(path.join(backups, STACK)).filter((d) => d.startsWith("upgrade-"))
            : [];
    /** The version NocoBase itself reports, for the entry app or one of its apps. */
    const reportedVersion = async (app?: string): Promise<string> => {
        const res = await fetch(`http://127.0.0.1:${entryPort}/api/${app ? `__app/${app}/` : ""}app:getInfo`);
        assert.equal(res.status, 200, `app:getInfo of ${app ?? "the entry app"}`);
        return ((await res.json()) as { data: { version: string } }).data.version;
    };
    const pgRestore = (database: string, file: string) =>
        execFileSync(
            "pg_restore",
            ["-h", "127.0.0.1", "-p", String(pgPort), "-U", "postgres", "-d", database, "--no-owner", "--no-acl", file],
            { env: { ...process.env, PGPASSWORD: adminPassword }, stdio: ["ignore", "pipe", "pipe"] },
        );

    before(async function () {
        host = dockerHost();
        removeLeftovers(host, PREFIX);
        // A commit of an untouched container adds no files, only the label: seconds, no copy.
        const cid = docker(host, ["create", `${LOCAL_IMAGES.nocobase}:${TO}`]);
        docker(host, ["commit", "--change", `LABEL ${STAND_IN_LABEL}=${FROM}`, cid, `${STAND_IN}:${FROM}`]);
        docker(host, ["rm", cid]);
        standIn = `${STAND_IN}:${FROM}`;
        [pgPort, entryPort] = [await freePort(), await freePort()];
        stack = new EngineStack(STACK);
        backups = path.join(stack.dir, "backups");
        mkdirSync(backups);
        base = {
            platform: { mode: "shared-memory", nocobaseVersion: FROM, image: STAND_IN },
            runtimes: { local: { type: "docker", host } },
            postgres: { runtime: "local", port: pgPort, image: LOCAL_IMAGES.postgres },
            entry: { runtime: "local", port: entryPort },
            apps: structuredClone(APPS),
            backups: { location: backups },
        };
        await stack.init(base);
    });

    after(async function () {
        if (suite.kept()) return;
        await stack.destroyAll();
        // The databases (the scratch ones too) and roles live in the PostgreSQL container's volume:
        // removing it removes them.
        removeLeftovers(host, PREFIX);
        if (standIn) docker(host, ["rmi", standIn]);
        // The backups, the upgrade's and the decommission's, are under the stack's own directory.
        stack.remove();
    });

    it(`pulumi up at ${FROM}: the tenants hold rows in their own storage`, async () => {
        await stack.up();
        adminPassword = await postgresAdminPassword(stack);
        assert.equal(entry().Image, imageId(`${STAND_IN}:${FROM}`));
        assert.equal((await stack.output<PlatformStatus>("status")).upgrade.lastBackup, null, "no upgrade yet");
        for (const [app, { table, value }] of Object.entries(PROBE)) {
            await tenantSql(
                stack,
                pgPort,
                app,
                `CREATE TABLE ${table} (v text); INSERT INTO ${table} VALUES ('${value}')`,
            );
            assert.equal(await probe(app), value);
        }
    });

    it(`${FROM} -> ${TO}: every owned database dumped first, then the workloads replaced; the rows survive`, async () => {
        const before = entry();
        base.platform = { ...base.platform, nocobaseVersion: TO, image: LOCAL_IMAGES.nocobase };
        stack.writeConfig(base);
        await stack.up();

        const dirs = upgradeDirs();
        assert.equal(dirs.length, 1, `one upgrade backup: ${dirs.join(", ")}`);
        assert.match(dirs[0], new RegExp(`^upgrade-${FROM}-${TO}-`));
        const directory = path.join(backups, STACK, dirs[0]);
        const files = readdirSync(directory).filter((f) => f.endsWith(".dump"));
        assert.deepEqual(files.sort(), ["app-ledger.dump", "app-notes.dump", "entry-nocobase_main.dump"]);
        assert.ok(existsSync(path.join(directory, UPGRADE_MANIFEST)), "the manifest is written");

        const status = await stack.output<PlatformStatus>("status");
        const last = status.upgrade.lastBackup;
        assert.ok(last, "status.upgrade names the backup");
        assert.equal(last.from, FROM);
        assert.equal(last.to, TO);
        assert.equal(path.resolve(last.directory), path.resolve(directory));
        assert.deepEqual(last.skipped, []);
        assert.deepEqual(last.dumps.map((d) => path.basename(d.file)).sort(), files.sort());
        for (const d of last.dumps) {
            const bytes = readFileSync(d.file);
            assert.equal(d.bytes, bytes.length, d.name);
            assert.equal(d.sha256, createHash("sha256").update(bytes).digest("hex"), d.name);
        }

        // The new entry container was made after the last dump was written.
        const after = entry();
        assert.notEqual(after.Id, before.Id, "the entry container was replaced");
        assert.equal(after.Image, imageId(`${LOCAL_IMAGES.nocobase}:${TO}`), `the entry container runs ${TO}'s image`);
        assert.equal(after.Config.Labels?.[STAND_IN_LABEL], undefined);
        const lastDump = Math.max(...files.map((f) => statSync(path.join(directory, f)).mtimeMs));
        assert.ok(Date.parse(after.Created) > lastDump, `container ${after.Created} after the dumps`);

        const client = await stackSupervisor(stack, entryPort);
        assert.equal(await reportedVersion(), TO);
        for (const { id } of APPS) {
            await client.waitForAppHealthy(id, 180_000);
            assert.equal(await reportedVersion(id), TO, `${id} runs ${TO}`);
            assert.equal(await probe(id), PROBE[id].value, `${id}'s row survived`);
        }
    });

    it("the upgrade's dumps restore, into scratch databases, with the rows", async () => {
        const last = (await stack.output<PlatformStatus>("status")).upgrade.lastBackup!;
        const file = (name: string) => last.dumps.find((d) => d.name === name)!.file;
        const [ledger, notes] = SCRATCH;
        for (const db of SCRATCH) psql("postgres", `CREATE DATABASE ${db}`);
        pgRestore(ledger, file("app-ledger"));
        assert.equal(psql(ledger, "SELECT v FROM upgrade_probe"), PROBE.ledger.value);
        pgRestore(notes, file("app-notes"));
        assert.equal(psql(notes, "SELECT v FROM notes.upgrade_probe"), PROBE.notes.value);
        for (const db of SCRATCH) psql("postgres", `DROP DATABASE ${db}`);
    });

    it(`${TO} -> ${FROM} is refused by preview and by up, naming both versions, and nothing changes`, async () => {
        const before = entry();
        const downgrade = structuredClone(base);
        downgrade.platform = { ...downgrade.platform, nocobaseVersion: FROM, image: STAND_IN };
        stack.writeConfig(downgrade);
        try {
            const refusal = new RegExp(
                `NocoBase ${TO.replace(/\./g, "\\.")} -> ${FROM.replace(/\./g, "\\.")} is a downgrade`,
            );
            const preview = await stack.preview([], { allowFailure: true });
            assert.notEqual(preview.code, 0);
            assert.match(preview.stdout + preview.stderr, refusal);
            const up = await stack.up([], { allowFailure: true });
            assert.notEqual(up.code, 0);
            assert.match(up.stdout + up.stderr, refusal);
        } finally {
            stack.writeConfig(base);
        }
        const after = entry();
        assert.equal(after.Id, before.Id, "the entry container was not touched");
        assert.equal(after.Image, imageId(`${LOCAL_IMAGES.nocobase}:${TO}`));
        assert.equal(upgradeDirs().length, 1, "no backup was taken");
        assert.equal((await stack.output<PlatformStatus>("status")).nocobaseVersion, TO);
        await stack.preview(["--expect-no-changes"]);
    });

    it("a decommissioned, dropped tenant comes back with restoreFrom and finds its rows", async () => {
        const notes = (c: Config) => c.apps.find((a: Config) => a.id === "notes");
        notes(base).state = "decommissioned";
        stack.writeConfig(base);
        await stack.up();
        const backup = (await stack.output<PlatformStatus>("status")).apps.notes.backup as { file: string };
        assert.ok(backup?.file, "the decommission's dump");
        notes(base).dropData = true;
        stack.writeConfig(base);
        await stack.up();
        assert.equal(psql("nocobase_tenants", "SELECT count(*) FROM pg_namespace WHERE nspname = 'notes'"), "0");
        assert.equal(psql("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'notes'"), "0");
        const client = await stackSupervisor(stack, entryPort);
        assert.equal(await client.get("notes"), undefined, "unregistered");

        base.apps = base.apps.map((a: Config) =>
            a.id === "notes" ? { ...structuredClone(APPS[1]), restoreFrom: backup.file } : a,
        );
        stack.writeConfig(base);
        await stack.up();
        assert.equal(await probe("notes"), PROBE.notes.value, "the row is back");
        assert.equal(
            psql("nocobase_tenants", "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'notes'"),
            "notes",
        );
        await client.waitForAppHealthy("notes", 180_000);
        assert.equal((await stack.output<PlatformStatus>("status")).apps.notes.observed, "running");
        assert.equal(await probe("ledger"), PROBE.ledger.value, "the neighbour is untouched");
    });
});
