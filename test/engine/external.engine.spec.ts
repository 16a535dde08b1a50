/**
 * An adopted entry app under the real engine: `entry.external` pointing at the real NocoBase 2.2.15
 * of `.ci/nocobase.sh`, reached with an API key made through its own API, the apps' storage on the
 * local PostgreSQL server. The stack runs nothing (no runtime is used): it must register its apps
 * on that NocoBase, adopt one that is already there under the same id, leave alone and report one
 * it does not name, and refuse, in preview, a `platform.nocobaseVersion` that NocoBase does not run.
 */
import * as assert from "node:assert/strict";
import { LOCAL_NOCOBASE_ROOT, LocalNocoBase } from "../support/localNocoBase";
import type { PlatformStatus } from "../../components/platform/status";
import { DEFAULT_TIMEOUTS, Session, createRootApiKey, createSupervisorClient } from "../../components/supervisor";
import { adminSql } from "../support/localPostgres";
import { EngineStack } from "./support/engine";
import { dropDatabasesAndRoles, encrypted, localServer } from "./support/stackConfig";

const VERSION = "2.2.15";
const WRONG_VERSION = "2.2.16";
const STACK = "adopted";
const WRONG_STACK = "adoptedwrong";
const TENANTS = "ad_tenants";
/** Named by the stack, and registered on NocoBase before it: adopted. */
const ADOPTED = "ad_crm";
/** Named by the stack only. */
const CREATED = "ad_desk";
/** On NocoBase, not named by the stack: unmanaged. */
const FOREIGN = "ad_foreign";
/** Named only by the stack whose version is wrong: nothing of it may exist after its failed up. */
const NEVER = "ad_never";
/** Where the apps registered before the stack keep their data: a database and role of the test's own. */
const FOREIGN_DB = "ad_foreign_data";
const APPS = [
    { id: ADOPTED, displayName: "Adopted CRM", database: { mode: "database" } },
    { id: CREATED, displayName: "Created Desk", database: { mode: "schema" } },
];
const DATABASES = [ADOPTED, TENANTS, FOREIGN_DB, NEVER];
const ROLES = [ADOPTED, CREATED, NEVER, FOREIGN_DB, "nocobase_tenants_members"];
/** The real NocoBase's root account: the test's, never the stack's. */
const ROOT_ACCOUNT = LOCAL_NOCOBASE_ROOT;

describe("an adopted entry app (entry.external) on a real NocoBase", function () {
    const nocobase = new LocalNocoBase();
    let nocobaseUrl: string;
    let apiKey: string;
    const stacks: EngineStack[] = [];

    const rootClient = () =>
        createSupervisorClient({ baseUrl: nocobaseUrl, adapter: "applications", auth: ROOT_ACCOUNT });

    async function removeApps(): Promise<void> {
        const client = rootClient();
        for (const id of [ADOPTED, CREATED, FOREIGN, NEVER])
            if (await client.get(id).catch(() => undefined)) await client.destroy(id).catch(() => undefined);
        dropDatabasesAndRoles(DATABASES, ROLES);
    }

    /** A stack of apps on the adopted NocoBase, its admin password and API key encrypted as a stack file holds them. */
    async function adoptingStack(name: string, nocobaseVersion: string, apps: object[]): Promise<EngineStack> {
        const stack = new EngineStack(name);
        stacks.push(stack);
        await stack.init({});
        const pgPassword = await encrypted(stack, "unused-with-trust-auth");
        const key = await encrypted(stack, apiKey);
        stack.writeConfig({
            platform: { mode: "shared-memory", nocobaseVersion },
            runtimes: {},
            postgres: localServer(pgPassword, TENANTS),
            entry: { external: { url: nocobaseUrl, apiKey: key } },
            apps,
        });
        return stack;
    }

    before(async function () {
        nocobaseUrl = nocobase.start();
        await removeApps();
        const session = new Session({ baseUrl: nocobaseUrl, timeouts: DEFAULT_TIMEOUTS }, ROOT_ACCOUNT);
        apiKey = await createRootApiKey(session, `engine-suite-${Date.now()}`);
        // The data of the two apps registered before the stack: neither is the stack's storage.
        adminSql("postgres", `CREATE ROLE "${FOREIGN_DB}" LOGIN PASSWORD 'foreign'`);
        adminSql("postgres", `CREATE DATABASE "${FOREIGN_DB}" OWNER "${FOREIGN_DB}"`);
        const client = rootClient();
        for (const [id, displayName, schema] of [
            [FOREIGN, "Foreign app", "foreign"],
            [ADOPTED, "Registered by hand", "before"],
        ]) {
            await client.create({
                id,
                displayName,
                autoStart: false,
                database: {
                    dialect: "postgres",
                    host: "127.0.0.1",
                    port: 5432,
                    username: FOREIGN_DB,
                    password: "foreign",
                    database: FOREIGN_DB,
                    schema,
                },
            });
        }
    });

    after(async function () {
        for (const stack of stacks) {
            if (process.env.KEEP_ENGINE_STACK) continue;
            await stack.destroyAll();
            stack.remove();
        }
        if (nocobaseUrl) await removeApps();
        nocobase.release();
    });

    it("pulumi up registers the stack's apps on it, adopts the one it already had, and makes nothing for the entry app", async () => {
        const stack = await adoptingStack(STACK, VERSION, APPS);
        const foreignBefore = await rootClient().get(FOREIGN);
        await stack.up([], { preview: true });

        const client = rootClient();
        const all = await client.list();
        for (const a of APPS) {
            assert.equal(all.filter((r) => r.id === a.id).length, 1, `${a.id} registered once`);
            const record = await client.get(a.id);
            assert.equal(record?.displayName, a.displayName);
            await client.waitForAppHealthy(a.id, 300_000);
        }
        // Adopted: the record registered by hand now points at the storage the stack made for it.
        assert.equal((await client.get(ADOPTED))?.database?.database, ADOPTED);
        assert.equal(
            adminSql("postgres", `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${ADOPTED}'`),
            ADOPTED,
        );
        // Left alone: the app the stack does not name is as it was.
        const foreignAfter = await client.get(FOREIGN);
        assert.equal(foreignAfter?.displayName, foreignBefore?.displayName);
        assert.deepEqual(foreignAfter?.database, foreignBefore?.database);

        const resources = (
            JSON.parse(await stack.export()) as { deployment: { resources?: { type: string; urn: string }[] } }
        ).deployment.resources!;
        // The tenants' derivation key is the one secret made: no APP_KEY or root password of an entry app.
        assert.deepEqual(
            resources
                .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
                .map((r) => r.urn.split("::").pop()),
            ["platform-secrets-derivation-key"],
        );
        assert.ok(
            !resources.some((r) => /^(docker|kubernetes):|^pulumi:providers:(docker|kubernetes)$/.test(r.type)),
            "nothing runs on a runtime",
        );

        const status = await stack.output<PlatformStatus>("status");
        assert.equal(status.entry.url, nocobaseUrl.replace(/\/+$/, ""));
        assert.equal(status.entry.adopted, true);
        assert.equal(status.entry.runtime, null);
        assert.ok(status.entry.unmanagedApps?.includes(FOREIGN), `${FOREIGN} listed as unmanaged`);
        for (const a of APPS) {
            assert.ok(!status.entry.unmanagedApps?.includes(a.id), `${a.id} is the stack's`);
            assert.equal(status.apps[a.id].observed, "running", a.id);
        }
        await stack.preview(["--expect-no-changes"]);
    });

    it(`a stack whose platform.nocobaseVersion is not the one NocoBase runs fails in preview, naming both, and changes nothing`, async () => {
        const stack = await adoptingStack(WRONG_STACK, WRONG_VERSION, [
            { id: NEVER, displayName: "Never", database: { mode: "database" } },
        ]);
        const preview = await stack.preview([], { allowFailure: true });
        assert.notEqual(preview.code, 0);
        const said = preview.stdout + preview.stderr;
        assert.match(
            said,
            new RegExp(
                `runs NocoBase ${VERSION.replace(/\./g, "\\.")}, but platform\\.nocobaseVersion is ${WRONG_VERSION.replace(/\./g, "\\.")}`,
            ),
        );

        const nothingMade = async (how: string) => {
            assert.equal(
                adminSql("postgres", `SELECT count(*) FROM pg_roles WHERE rolname = '${NEVER}'`),
                "0",
                `${how}: the tenant's role was made`,
            );
            assert.equal(await rootClient().get(NEVER), undefined, `${how}: the tenant was registered`);
        };
        const up = await stack.up([], { allowFailure: true, preview: true });
        assert.notEqual(up.code, 0);
        await nothingMade("pulumi up");
        // Without a preview too: the engine checks each resource as the program registers it and stops
        // at the failing one, and tenant storage also depends on the check, whatever the program's order.
        const blind = await stack.up([], { allowFailure: true });
        assert.notEqual(blind.code, 0);
        await nothingMade("pulumi up --skip-preview");
    });
});
