import * as assert from "node:assert/strict";
import { NocoBaseAppProvider, AppInputs, AppOutputs } from "../../components/lifecycle/appProvider";
import {
    AppSpec,
    AuthError,
    NotFoundError,
    ProtocolError,
    SupervisorClient,
    TimeoutError,
    TransientError,
    ValidationError,
    createSupervisorClient,
} from "../../components/supervisor";
import { ADMIN, API_KEY, FaultServer } from "../support/faultServer";

const FAST = { requestMs: 300, callMs: 2_000, retries: 8, backoffBaseMs: 10, backoffCapMs: 50, pollMs: 20 };
const busy = (code: string) => ({
    kind: "status" as const,
    status: 503,
    body: { error: { status: 503, message: "application main is initializing", maintaining: true, code } },
});

function spec(id: string, over: Partial<AppSpec> = {}): AppSpec {
    return {
        id,
        displayName: `Tenant ${id}`,
        autoStart: false,
        database: { dialect: "postgres", host: "127.0.0.1", port: 5432, username: id, password: "pw", database: id },
        ...over,
    };
}

async function elapsed<T>(fn: () => Promise<T>): Promise<[T | Error, number]> {
    const t0 = Date.now();
    try {
        return [await fn(), Date.now() - t0];
    } catch (err) {
        return [err as Error, Date.now() - t0];
    }
}

describe("supervisor client under faults (applications adapter)", () => {
    let server: FaultServer;
    let client: SupervisorClient;

    beforeEach(async () => {
        server = new FaultServer();
        const baseUrl = await server.start();
        client = createSupervisorClient({
            adapter: "applications",
            baseUrl,
            auth: { apiKey: API_KEY },
            timeouts: FAST,
        });
    });
    afterEach(() => server.close());

    it("rides out a storm of 503 APP_INITIALIZING and then succeeds", async () => {
        server.inject("applications:list", busy("APP_INITIALIZING"), 4);
        const apps = await client.list();
        assert.deepEqual(apps, []);
        assert.equal(server.count("applications:list"), 5);
    });

    for (const code of ["APP_PREPARING", "APP_COMMANDING"]) {
        it(`retries 503 ${code}`, async () => {
            server.inject("applications:list", busy(code), 2);
            await client.list();
            assert.equal(server.count("applications:list"), 3);
        });
    }

    it("gives up on an endless 503 storm within the call deadline, naming the code", async () => {
        server.inject("applications:list", busy("APP_INITIALIZING"), Infinity);
        const [err, ms] = await elapsed(() => client.list());
        assert.ok(err instanceof TransientError, String(err));
        assert.equal(err.code, "APP_INITIALIZING");
        assert.match(err.message, /gave up after \d+ attempt\(s\).*APP_INITIALIZING/);
        assert.ok(ms < FAST.callMs + 1_000, `took ${ms} ms`);
        assert.ok(server.count() <= FAST.retries + 1);
    });

    for (const status of [502, 504]) {
        it(`retries a proxy's ${status} (NocoBase restarting behind its nginx)`, async () => {
            server.inject("applications:list", { kind: "status", status, body: "<html>Bad Gateway</html>" }, 2);
            assert.deepEqual(await client.list(), []);
            assert.equal(server.count("applications:list"), 3);
        });
    }

    it("does not retry a 503 that is not a busy code", async () => {
        server.inject("applications:list", {
            kind: "status",
            status: 503,
            body: { error: { message: "application main is in error", code: "APP_ERROR" } },
        });
        const [err] = await elapsed(() => client.list());
        assert.ok(err instanceof ValidationError, String(err));
        assert.match(err.message, /application main is in error/);
        assert.equal(server.count(), 1);
    });

    it("retries connection resets on reads", async () => {
        server.inject("applications:list", { kind: "reset" }, 2);
        assert.deepEqual(await client.list(), []);
        assert.equal(server.count("applications:list"), 3);
    });

    it("bounds a slow answer by the per-request timeout, then retries", async () => {
        server.inject("applications:list", { kind: "slow", ms: 1_500 }, 1);
        const [res, ms] = await elapsed(() => client.list());
        assert.deepEqual(res, []);
        assert.ok(ms < 1_500, `waited for the slow answer (${ms} ms)`);
        assert.equal(server.count("applications:list"), 2);
    });

    it("gives up on answers that are always too slow, saying so", async () => {
        server.inject("applications:list", { kind: "slow", ms: 5_000 }, Infinity);
        const [err, ms] = await elapsed(() => client.list());
        assert.ok(err instanceof TransientError, String(err));
        assert.match(err.message, /no answer within \d+ ms/);
        assert.ok(ms < FAST.callMs + 1_000, `took ${ms} ms`);
    });

    for (const code of ["EMPTY_TOKEN", "INVALID_TOKEN"]) {
        it(`fails at once on 401 ${code}, without retrying`, async () => {
            server.inject("applications:list", {
                kind: "status",
                status: 401,
                body: { errors: [{ message: "Unauthenticated. Please sign in to continue.", code }] },
            });
            const [err] = await elapsed(() => client.list());
            assert.ok(err instanceof AuthError, String(err));
            assert.equal(err.code, code);
            assert.match(err.message, new RegExp(`HTTP 401 ${code}`));
            assert.equal(server.count(), 1);
        });
    }

    it("reports a wrong API key as INVALID_TOKEN from the server itself", async () => {
        const bad = createSupervisorClient({
            adapter: "applications",
            baseUrl: server.url,
            auth: { apiKey: "nope" },
            timeouts: FAST,
        });
        const [err] = await elapsed(() => bad.get("a"));
        assert.ok(err instanceof AuthError && err.code === "INVALID_TOKEN", String(err));
        assert.equal(server.count(), 1);
    });

    it("fails at once on malformed JSON, quoting what came back (truncated)", async () => {
        server.inject("applications:list", { kind: "raw", status: 200, text: `<html>${"x".repeat(500)}</html>` });
        const [err] = await elapsed(() => client.list());
        assert.ok(err instanceof ProtocolError, String(err));
        assert.match(err.message, /not JSON: "<html>x+…"/);
        assert.ok(err.message.length < 400);
        assert.equal(server.count(), 1);
    });

    it("quotes NocoBase's validation message", async () => {
        const [err] = await elapsed(() => client.create(spec("bad.name!")));
        assert.ok(err instanceof ValidationError, String(err));
        assert.match(
            err.message,
            /"applications\.name can only include A-Z, a-z, 0-9, _-\*\$, 'bad\.name!' is invalid"/,
        );
        assert.equal(server.count("applications:create"), 1);
    });

    it("fails at once on 404 (resource missing on this server)", async () => {
        const other = createSupervisorClient({
            adapter: "app-supervisor",
            baseUrl: server.url,
            auth: { apiKey: API_KEY },
            timeouts: FAST,
        });
        server.inject("apps:list", { kind: "raw", status: 404, text: "Not Found" });
        const [err] = await elapsed(() => other.list());
        assert.ok(err instanceof NotFoundError, String(err));
        assert.equal(server.count(), 1);
    });

    describe("create never duplicates an app", () => {
        beforeEach(() => {
            server.uniqueNames = false; // a naive server: only the client can prevent a duplicate
        });

        it("when the answer to create is lost after the server applied it", async () => {
            server.inject("applications:create", { kind: "resetAfter" });
            const record = await client.create(spec("t1"));
            assert.equal(record.id, "t1");
            assert.equal(server.appsNamed("t1").length, 1);
            assert.equal(server.count("applications:create"), 1);
        });

        it("when the answer to create comes too late", async () => {
            server.inject("applications:create", { kind: "slowAfter", ms: 1_000 });
            await client.create(spec("t2"));
            assert.equal(server.appsNamed("t2").length, 1);
        });

        it("when the connection is refused or the gateway is busy (safe to resend)", async () => {
            server.inject("applications:create", busy("APP_COMMANDING"), 3);
            await client.create(spec("t3"));
            assert.equal(server.appsNamed("t3").length, 1);
            assert.equal(server.count("applications:create"), 4);
        });

        it("when a storm of mixed faults hits every call", async () => {
            server.inject("*", { kind: "reset" }, 2);
            server.inject("applications:create", { kind: "resetAfter" }, 1);
            server.inject("*", busy("APP_INITIALIZING"), 2);
            await client.create(spec("t4"));
            await client.create(spec("t4", { displayName: "again" }));
            assert.equal(server.appsNamed("t4").length, 1);
            assert.equal(server.appsNamed("t4")[0].displayName, "again");
        });
    });

    it("reports the last status seen when a wait times out", async () => {
        await client.create(spec("w1"));
        const [err, ms] = await elapsed(() => client.waitForStatus("w1", "running", 200));
        assert.ok(err instanceof TimeoutError, String(err));
        assert.equal(err.lastStatus, "initialized");
        assert.match(err.message, /last status: initialized/);
        assert.ok(ms < 1_500, `took ${ms} ms`);
    });

    it("signs in once per client with account and password", async () => {
        const byPassword = createSupervisorClient({
            adapter: "applications",
            baseUrl: server.url,
            auth: ADMIN,
            timeouts: FAST,
        });
        await byPassword.list();
        await byPassword.get("x");
        await byPassword.list();
        assert.equal(server.count("auth:signIn"), 1);
        const signIn = server.requests.find((r) => r.action === "auth:signIn")!;
        assert.deepEqual(signIn.body, ADMIN);
        assert.ok(
            server.requests
                .filter((r) => r.action !== "auth:signIn")
                .every((r) => r.authorization === "Bearer signed-in-1"),
        );
    });

    it("fails at once on a wrong password, quoting NocoBase", async () => {
        const wrong = createSupervisorClient({
            adapter: "applications",
            baseUrl: server.url,
            auth: { ...ADMIN, password: "x" },
            timeouts: FAST,
        });
        const [err] = await elapsed(() => wrong.list());
        assert.ok(err instanceof AuthError, String(err));
        assert.match(err.message, /password is incorrect/);
        assert.equal(server.count(), 1);
    });

    it("bounds the health gate", async () => {
        server.healthy = false;
        const [err, ms] = await elapsed(() => client.waitForHealthy(200));
        assert.ok(err instanceof TimeoutError, String(err));
        assert.ok(ms < 1_500);
        server.healthy = true;
        await client.waitForHealthy(200);
    });
});

for (const adapter of ["applications", "app-supervisor"] as const) {
    describe(`supervisor contract: ${adapter} adapter on a fake of its shape`, () => {
        let server: FaultServer;
        let client: SupervisorClient;

        beforeEach(async () => {
            server = new FaultServer();
            const baseUrl = await server.start();
            client = createSupervisorClient({ adapter, baseUrl, auth: { apiKey: API_KEY }, timeouts: FAST });
        });
        afterEach(() => server.close());

        it("creates, reads, updates, starts, stops and destroys an app", async () => {
            const created = await client.create(
                spec("c1", { cname: "c1.example.test", jwtSecret: "s".repeat(44), environment: "local" }),
            );
            assert.equal(created.status, "initialized");
            assert.equal(created.displayName, "Tenant c1");
            assert.equal(created.cname, "c1.example.test");
            assert.equal(created.jwtSecret, "s".repeat(44));
            assert.deepEqual(created.database, spec("c1").database);
            const sent = server.requests.find((r) => r.action.endsWith(":create"))!.body;
            assert.equal(sent.options.dbConnType, "new_connection");
            assert.equal(sent.options.autoStart, false);

            const updated = await client.update("c1", spec("c1", { displayName: "Renamed", autoStart: true }));
            assert.equal(updated.displayName, "Renamed");
            assert.equal(updated.autoStart, true);
            assert.equal(updated.cname, undefined, "cname removed");
            assert.equal(updated.jwtSecret, undefined, "options are replaced whole");

            await client.start("c1");
            assert.equal((await client.waitForStatus("c1", "running", 2_000)).status, "running");
            await client.stop("c1");
            assert.equal((await client.waitForStatus("c1", "stopped", 2_000)).status, "stopped");

            assert.equal(await client.destroy("c1"), true);
            assert.equal(await client.get("c1"), undefined);
            assert.equal(await client.destroy("c1"), false);
        });

        it("adopts an app that already exists instead of creating it again", async () => {
            await client.create(spec("c2"));
            const before = server.count();
            const adopted = await client.create(spec("c2", { displayName: "Adopted" }));
            assert.equal(adopted.displayName, "Adopted");
            assert.equal(server.appsNamed("c2").length, 1);
            assert.equal(server.requests.slice(before).filter((r) => r.action.endsWith(":create")).length, 0);
        });

        it("reads every page of the list", async () => {
            for (let i = 0; i < 130; i++) await client.create(spec(`p${i}`));
            const before = server.count();
            const all = await client.list();
            assert.equal(all.length, 130);
            assert.deepEqual(new Set(all.map((a) => a.id)).size, 130);
            assert.equal(server.count() - before, 2, "two pages of 100");
            assert.ok(server.requests.slice(before).every((r) => r.query.paginate === undefined));
        });

        it("says NotFoundError when updating an app that is not there", async () => {
            await assert.rejects(client.update("missing", spec("missing")), NotFoundError);
        });

        if (adapter === "app-supervisor") {
            it("refuses an environment the entry app does not know (unverified API shape)", async () => {
                const [err] = await elapsed(() => client.create(spec("e1", { environment: "env_b" })));
                assert.ok(err instanceof ValidationError, String(err));
                assert.match(err.message, /environment "env_b" is not registered.*known: local/);
                assert.equal(server.appsNamed("e1").length, 0);
                server.environments.push({ name: "env_b", available: true });
                const rec = await client.create(spec("e1", { environment: "env_b" }));
                assert.equal(rec.environment, "env_b");
                assert.equal(rec.status, "initialized");
            });
        }
    });
}

describe("NocoBaseApp provider on the fake entry app", () => {
    let server: FaultServer;
    let baseUrl: string;
    const provider = new NocoBaseAppProvider();
    const savedKey = process.env.NOCOBASE_API_KEY;

    function inputs(over: Partial<AppInputs> = {}): AppInputs {
        return {
            entryUrl: `${baseUrl}/`,
            adapter: "applications",
            credentials: ADMIN,
            appId: "prov1",
            displayName: " Provider One ",
            environment: "local",
            startMode: "first-visit",
            state: "running",
            jwtSecret: "j".repeat(44),
            database: { host: "127.0.0.1", port: 5432, username: "prov1", password: "db-pw", database: "prov1" },
            upgrade: false,
            providerVersion: "1",
            ...over,
        };
    }

    async function checked(over: Partial<AppInputs> = {}): Promise<AppInputs> {
        const res = await provider.check({} as AppInputs, inputs(over));
        assert.deepEqual(res.failures, []);
        return res.inputs!;
    }

    beforeEach(async () => {
        delete process.env.NOCOBASE_API_KEY;
        server = new FaultServer();
        baseUrl = await server.start();
    });
    afterEach(async () => {
        if (savedKey !== undefined) process.env.NOCOBASE_API_KEY = savedKey;
        await server.close();
    });

    it("check normalises and rejects bad ids", async () => {
        const ok = await checked();
        assert.equal(ok.entryUrl, baseUrl);
        assert.equal(ok.displayName, "Provider One");
        const bad = await provider.check({} as AppInputs, inputs({ appId: "Bad-Id" }));
        assert.equal(bad.failures?.[0].property, "appId");
        const main = await provider.check({} as AppInputs, inputs({ appId: "main" }));
        assert.ok(main.failures?.some((f) => /reserved/.test(f.reason)));
    });

    it("creates, keeps secrets out of outs, and diff makes no HTTP call", async () => {
        const ins = await checked();
        const { id, outs } = await provider.create(ins);
        assert.equal(id, "prov1");
        assert.equal(outs!.observedStatus, "running");
        const text = JSON.stringify(outs);
        assert.ok(!text.includes("j".repeat(44)), "jwtSecret leaked into outs");
        assert.ok(!text.includes("db-pw"), "database password leaked into outs");

        const before = server.count();
        const same = await provider.diff(id, outs as AppOutputs, await checked());
        assert.equal(same.changes, false);
        const renamed = await provider.diff(id, outs as AppOutputs, await checked({ displayName: "New" }));
        assert.deepEqual([renamed.changes, renamed.replaces], [true, []]);
        const moved = await provider.diff(
            id,
            outs as AppOutputs,
            await checked({ entryUrl: "http://elsewhere:1", adapter: "app-supervisor" }),
        );
        assert.deepEqual([moved.changes, moved.replaces], [true, []]);
        const rotated = await provider.diff(id, outs as AppOutputs, await checked({ jwtSecret: "k".repeat(44) }));
        assert.equal(rotated.changes, true);
        const rekeyed = await provider.diff(id, outs as AppOutputs, await checked({ appId: "prov2" }));
        assert.deepEqual(rekeyed.replaces, ["appId"]);
        assert.equal(server.count(), before, "diff sent a request");
        const refreshed = await provider.read(id, outs as AppOutputs);
        assert.equal(
            (await provider.diff(id, refreshed.props as AppOutputs, await checked())).changes,
            false,
            "refresh without drift must not cause an update",
        );
    });

    it("adopts an existing app on create, updates and stops it, sees drift, deletes", async () => {
        server.apps.push({
            name: "prov1",
            displayName: "Made by hand",
            cname: null,
            options: { autoStart: false },
            status: "stopped",
        });
        const { outs } = await provider.create(await checked({ state: "stopped" }));
        assert.equal(server.appsNamed("prov1").length, 1);
        assert.equal(server.appsNamed("prov1")[0].displayName, "Provider One");
        assert.equal(outs!.observedStatus, "stopped");
        assert.equal(server.count("applications:create"), 0);

        const up = await provider.update(
            "prov1",
            outs as AppOutputs,
            await checked({ state: "running", startMode: "with-main", cname: "P1.Example.test" }),
        );
        assert.equal(up.outs!.observedStatus, "running");
        assert.equal(server.appsNamed("prov1")[0].options.autoStart, true);
        assert.equal(server.appsNamed("prov1")[0].cname, "p1.example.test");

        server.appsNamed("prov1")[0].displayName = "Changed out of band";
        server.appsNamed("prov1")[0].status = "stopped";
        const read = await provider.read("prov1", up.outs as AppOutputs);
        assert.equal(read.props!.displayName, "Changed out of band");
        assert.equal(read.props!.state, "stopped");
        assert.equal(read.props!.observedStatus, "stopped");
        assert.equal(read.props!.secretsFingerprint, (up.outs as AppOutputs).secretsFingerprint);
        const drift = await provider.diff(
            "prov1",
            read.props as AppOutputs,
            await checked({ state: "running", startMode: "with-main", cname: "p1.example.test" }),
        );
        assert.equal(drift.changes, true);

        await provider.delete("prov1", read.props as AppOutputs);
        assert.equal(server.appsNamed("prov1").length, 0);
        assert.deepEqual(await provider.read("prov1", read.props as AppOutputs), {});
    });

    it("signs in once per provider process, not once per app or call", async () => {
        const first = await provider.create(await checked({ state: "stopped" }));
        const second = await provider.create(await checked({ appId: "prov2", state: "stopped" }));
        await provider.read("prov1", first.outs as AppOutputs);
        await provider.read("prov2", second.outs as AppOutputs);
        assert.equal(server.count("auth:signIn"), 1);
        assert.ok(
            server.requests
                .filter((r) => r.action.startsWith("applications:"))
                .every((r) => r.authorization === "Bearer signed-in-1"),
        );
    });

    it("prefers NOCOBASE_API_KEY from the environment over the account", async () => {
        process.env.NOCOBASE_API_KEY = API_KEY;
        await provider.create(await checked({ state: "stopped" }));
        assert.equal(server.count("auth:signIn"), 0);
        assert.ok(
            server.requests
                .filter((r) => r.action !== "__health_check")
                .every((r) => r.authorization === `Bearer ${API_KEY}`),
        );
    });

    it("makes a known number of NocoBase calls per method (no-change up: none)", async () => {
        process.env.NOCOBASE_API_KEY = API_KEY;
        const calls = async <T>(fn: () => Promise<T>): Promise<[T, string[]]> => {
            const before = server.requests.length;
            const out = await fn();
            return [out, server.requests.slice(before).map((r) => r.action)];
        };
        const ins = await checked({ state: "stopped" });
        const [created, onCreate] = await calls(() => provider.create(ins));
        assert.deepEqual(onCreate, ["__health_check", "applications:list", "applications:create", "applications:list"]);
        const outs = created.outs as AppOutputs;
        const [, onCheckDiff] = await calls(async () =>
            provider.diff("prov1", outs, (await provider.check(outs as never, ins)).inputs!),
        );
        assert.deepEqual(onCheckDiff, []);
        // The entry app's health check gated the first call of this process to it; later calls skip it,
        // so a refresh reads one list row per app.
        const [, onRead] = await calls(() => provider.read("prov1", outs));
        assert.deepEqual(onRead, ["applications:list"]);
        const [updated, onUpdate] = await calls(() => provider.update("prov1", outs, { ...ins, state: "running" }));
        assert.deepEqual(
            onUpdate.filter((a) => a !== "applications:list" && !a.startsWith("__app/")),
            ["applications:update", "applications:start"],
        );
        assert.ok(onUpdate.includes("__app/prov1/__health_check"), "running is confirmed by the app itself");
        const [, onDelete] = await calls(() => provider.delete("prov1", updated.outs as AppOutputs));
        assert.deepEqual(onDelete, ["applications:destroy"]);
    });

    describe("diff: one row per field a stack edit can change", () => {
        // [what changes, the edit, whether it replaces]. A field missing from the provider's update
        // list would never reach NocoBase: a re-domained app would keep its old domain.
        const ROWS: Array<[string, (i: AppInputs) => AppInputs, boolean]> = [
            ["entryUrl", (i) => ({ ...i, entryUrl: "http://elsewhere.example:13000" }), false],
            ["adapter", (i) => ({ ...i, adapter: "app-supervisor" }), false],
            ["credentials", (i) => ({ ...i, credentials: { account: ADMIN.account, password: "new-pw" } }), false],
            ["displayName", (i) => ({ ...i, displayName: "Renamed" }), false],
            ["cname", (i) => ({ ...i, cname: "crm.example.com" }), false],
            ["environment", (i) => ({ ...i, environment: "env_b" }), false],
            ["startMode", (i) => ({ ...i, startMode: "with-main" }), false],
            ["state", (i) => ({ ...i, state: "stopped" }), false],
            ["upgrade", (i) => ({ ...i, upgrade: !i.upgrade }), false],
            ["database.host", (i) => ({ ...i, database: { ...i.database, host: "10.0.0.9" } }), false],
            ["database.port", (i) => ({ ...i, database: { ...i.database, port: 5433 } }), false],
            ["database.username", (i) => ({ ...i, database: { ...i.database, username: "other" } }), false],
            ["database.database", (i) => ({ ...i, database: { ...i.database, database: "other" } }), false],
            ["database.schema", (i) => ({ ...i, database: { ...i.database, schema: "s1" } }), false],
            ["database.password", (i) => ({ ...i, database: { ...i.database, password: "rotated" } }), false],
            ["jwtSecret", (i) => ({ ...i, jwtSecret: "k".repeat(44) }), false],
            ["providerVersion", (i) => ({ ...i, providerVersion: "2" }), false],
            ["appId", (i) => ({ ...i, appId: "prov2" }), true],
        ];
        let olds: AppOutputs;
        let news: AppInputs;
        beforeEach(async () => {
            process.env.NOCOBASE_API_KEY = API_KEY;
            news = await checked({ state: "running" });
            olds = (await provider.create(news)).outs as AppOutputs;
        });

        it("no edit, no change", async () => {
            assert.deepEqual(await provider.diff("prov1", olds, news), {
                changes: false,
                replaces: [],
                deleteBeforeReplace: false,
            });
        });
        for (const [field, edit, replaces] of ROWS) {
            it(`${field}: ${replaces ? "replaces" : "updates in place"}`, async () => {
                const diff = await provider.diff(
                    "prov1",
                    olds,
                    (await provider.check(olds as never, edit(news))).inputs!,
                );
                assert.equal(diff.changes, true);
                assert.deepEqual(diff.replaces, replaces ? [field] : []);
            });
        }
    });

    /** The stops and starts `fn` asks NocoBase for. */
    const lifecycle = async (fn: () => Promise<unknown>) => {
        const before = server.requests.length;
        await fn();
        return server.requests
            .slice(before)
            .map((r) => r.action)
            .filter((a) => a === "applications:stop" || a === "applications:start");
    };

    it("restarts a running app for a new JWT secret (it keeps the options it booted with), not for a new name", async () => {
        process.env.NOCOBASE_API_KEY = API_KEY;
        const ins = await checked({ appId: "jwt1", state: "running", jwtSecret: "a".repeat(44) });
        const created = (await provider.create(ins)).outs as AppOutputs;
        const renamed = { ...ins, displayName: "Renamed" };
        assert.deepEqual(await lifecycle(() => provider.update("jwt1", created, renamed)), []);
        const rotated = { ...renamed, jwtSecret: "b".repeat(44) };
        assert.deepEqual(await lifecycle(() => provider.update("jwt1", created, rotated)), [
            "applications:stop",
            "applications:start",
        ]);
        await provider.delete("jwt1", created);
    });

    it("restarts a running app it adopts (it booted with options of its own), and does not restart one it creates", async () => {
        process.env.NOCOBASE_API_KEY = API_KEY;
        const ins = await checked({ appId: "adopt1", state: "running", jwtSecret: "a".repeat(44) });
        assert.deepEqual(await lifecycle(() => provider.create(ins)), ["applications:start"]);
        // The state is lost (or the app was made by hand): create runs again on the running app.
        let adopted: AppOutputs | undefined;
        const again = { ...ins, displayName: "Adopted" };
        assert.deepEqual(await lifecycle(async () => (adopted = (await provider.create(again)).outs as AppOutputs)), [
            "applications:stop",
            "applications:start",
        ]);
        assert.deepEqual(
            server.appsNamed("adopt1").map((a) => [a.displayName, a.status]),
            [["Adopted", "running"]],
        );
        await provider.delete("adopt1", adopted!);
    });
});
