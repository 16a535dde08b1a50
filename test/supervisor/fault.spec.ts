import * as assert from "node:assert/strict";
import {
    AppSpec,
    AuthError,
    NotFoundError,
    ProtocolError,
    SupervisorClient,
    TimeoutError,
    DEFAULT_TIMEOUTS,
    Session,
    SupervisorError,
    TransientError,
    ValidationError,
    createRootApiKey,
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

    it("refuses an adapter it does not know, naming the ones it does", () => {
        assert.throws(
            () => createSupervisorClient({ adapter: "apps" as never, baseUrl: server.url, auth: { apiKey: API_KEY } }),
            /^Error: unknown supervisor adapter "apps" \(applications \| app-supervisor\)$/,
        );
    });

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
        assert.equal(err.lastStatus, "unhealthy");
        assert.equal(err.message, `entry app at ${server.url} not healthy within 200 ms (/api/__health_check)`);
        assert.ok(ms < 1_500);
        server.healthy = true;
        await client.waitForHealthy(200);
    });
});

describe("supervisor sessions: sign-in tokens and API keys", () => {
    let server: FaultServer;
    let client: SupervisorClient;
    const signIns = () => server.count("auth:signIn");

    beforeEach(async () => {
        server = new FaultServer();
        const baseUrl = await server.start();
        client = createSupervisorClient({ adapter: "applications", baseUrl, auth: ADMIN, timeouts: FAST });
    });
    afterEach(() => server.close());

    it("signs in once more when its cached token has expired, and the call goes on", async () => {
        await client.list();
        server.expireSessions();
        assert.deepEqual(await client.list(), []);
        assert.equal(signIns(), 2);
        assert.equal(server.requests.at(-1)!.authorization, "Bearer signed-in-2");
    });

    it("does not sign in again when a token it has just been given is refused", async () => {
        server.inject("applications:list", {
            kind: "status",
            status: 401,
            body: { errors: [{ message: "Your session has expired. Please sign in again.", code: "INVALID_TOKEN" }] },
        });
        const [err] = await elapsed(() => client.list());
        assert.ok(err instanceof AuthError, String(err));
        assert.equal(signIns(), 1);
    });

    it("does not sign in again for a 403: the account lacks the permission, a new token would too", async () => {
        await client.list();
        server.inject("applications:list", {
            kind: "status",
            status: 403,
            body: { errors: [{ message: "No permissions" }] },
        });
        const [err] = await elapsed(() => client.list());
        assert.ok(err instanceof AuthError && err.httpStatus === 403, String(err));
        assert.equal(signIns(), 1);
    });

    it("does not keep a failed sign-in: the next call signs in afresh", async () => {
        server.inject("auth:signIn", { kind: "raw", status: 500, text: "Internal Server Error" });
        const [err] = await elapsed(() => client.list());
        assert.ok(err instanceof SupervisorError, String(err));
        assert.deepEqual(await client.list(), []);
        assert.equal(signIns(), 2);
    });

    it("sends the sign-in again when its answer was lost (a sign-in changes nothing)", async () => {
        server.inject("auth:signIn", { kind: "resetAfter" });
        assert.deepEqual(await client.list(), []);
        assert.equal(signIns(), 2);
    });

    it("refuses a sign-in answer without a token, or with an empty one", async () => {
        for (const data of [{ user: { id: 1 } }, { user: { id: 1 }, token: "" }]) {
            server.inject("auth:signIn", { kind: "status", status: 200, body: { data } });
            const [err] = await elapsed(() => client.list());
            assert.ok(err instanceof ProtocolError, String(err));
            assert.equal(err.message, "POST /api/auth:signIn: answer carries no data.token");
        }
    });

    describe("createRootApiKey", () => {
        let session: Session;
        beforeEach(() => {
            session = new Session({ baseUrl: server.url, timeouts: { ...DEFAULT_TIMEOUTS, ...FAST } }, ADMIN);
        });

        it("mints a root key that never expires, and the key works as the client's credentials", async () => {
            const key = await createRootApiKey(session, "ci");
            const created = server.requests.find((r) => r.action === "apiKeys:create")!;
            assert.deepEqual(created.body, { name: "ci", role: { name: "root" }, expiresIn: "never" });
            const byKey = createSupervisorClient({
                adapter: "applications",
                baseUrl: server.url,
                auth: { apiKey: key },
                timeouts: FAST,
            });
            assert.deepEqual(await byKey.list(), []);
        });

        it("never mints a second key for a lost answer: it says the outcome is unknown", async () => {
            server.inject("apiKeys:create", { kind: "resetAfter" });
            const [err] = await elapsed(() => createRootApiKey(session, "ci"));
            assert.ok(err instanceof TransientError && err.outcomeUnknown, String(err));
            assert.equal(server.count("apiKeys:create"), 1);
        });

        it("refuses an answer without a key", async () => {
            server.inject("apiKeys:create", { kind: "status", status: 200, body: { data: { token: "" } } });
            const [err] = await elapsed(() => createRootApiKey(session, "ci"));
            assert.ok(err instanceof ProtocolError, String(err));
            assert.equal(err.message, "POST /api/apiKeys:create: answer carries no data.token");
        });
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

        const resource = adapter === "applications" ? "applications" : "apps";
        const answer = (body: unknown) => ({ kind: "status" as const, status: 200, body });

        it("reads an app without a display name as untitled", async () => {
            server.inject(`${resource}:list`, answer({ data: [{ name: "n1", status: "running", options: {} }] }));
            assert.equal((await client.get("n1"))!.displayName, "");
        });

        it("names the app when updating one that is not there", async () => {
            const [err] = await elapsed(() => client.update("missing", spec("missing")));
            assert.ok(err instanceof NotFoundError, String(err));
            assert.equal(err.message, 'app "missing" is not registered with the entry app');
        });

        // Each of these changes nothing when sent twice, so a lost answer is sent again.
        const repeatable: Array<[string, (c: SupervisorClient) => Promise<unknown>]> = [
            ["list", (c) => c.list()],
            ["update", (c) => c.update("r1", spec("r1", { displayName: "again" }))],
            ["start", (c) => c.start("r1")],
            ["stop", (c) => c.stop("r1")],
            ["destroy", (c) => c.destroy("r1")],
        ];
        for (const [verb, call] of repeatable) {
            it(`sends ${resource}:${verb} again when its answer was lost`, async () => {
                await client.create(spec("r1"));
                const before = server.count(`${resource}:${verb}`);
                server.inject(`${resource}:${verb}`, { kind: "resetAfter" });
                await call(client);
                assert.equal(server.count(`${resource}:${verb}`) - before, 2);
            });
        }

        it("asks the version again when its answer was lost, and refuses an answer without one", async () => {
            server.inject("app:getInfo", { kind: "resetAfter" });
            assert.equal(await client.version(), "2.2.15");
            assert.equal(server.count("app:getInfo"), 2);
            for (const version of ["", undefined]) {
                server.version = version as unknown as string;
                const [err] = await elapsed(() => client.version());
                assert.ok(err instanceof ProtocolError, `${String(version)}: ${String(err)}`);
                assert.equal(err.message, "GET /api/app:getInfo: answer carries no data.version");
            }
        });

        it("does not send a create again when its answer was lost, and does not call the app adopted", async () => {
            server.uniqueNames = false;
            server.inject(`${resource}:create`, { kind: "resetAfter" });
            const { record, adopted } = await client.register(spec("l1"));
            assert.equal(record.id, "l1");
            assert.equal(adopted, false, "it is the app this call created");
            assert.equal(server.count(`${resource}:create`), 1);
            assert.equal(server.appsNamed("l1").length, 1);
        });

        it("says whether register created the app or adopted one that was there", async () => {
            assert.equal((await client.register(spec("a1"))).adopted, false);
            assert.equal((await client.register(spec("a1"))).adopted, true);
        });

        it("creates again after an ambiguous failure that left no app, and gives up after three", async () => {
            server.inject(`${resource}:create`, { kind: "status", status: 502, body: "Bad Gateway" });
            assert.equal((await client.register(spec("g1"))).record.id, "g1");
            assert.equal(server.count(`${resource}:create`), 2);

            server.inject(`${resource}:create`, { kind: "status", status: 502, body: "Bad Gateway" }, Infinity);
            const [err] = await elapsed(() => client.register(spec("g2")));
            assert.ok(err instanceof TransientError && err.outcomeUnknown, String(err));
            assert.equal(server.count(`${resource}:create`), 2 + 3);
            assert.equal(server.appsNamed("g2").length, 0);
        });

        it("does not create again after a failure that is not ambiguous", async () => {
            server.inject(`${resource}:create`, { kind: "raw", status: 500, text: "Internal Server Error" });
            const [err] = await elapsed(() => client.register(spec("f1")));
            assert.ok(err instanceof SupervisorError && !(err instanceof TransientError), String(err));
            assert.equal(server.count(`${resource}:create`), 1);
        });

        it("writes and reads a schema-mode database", async () => {
            const inSchema = { ...spec("s1").database, database: "tenants", schema: "s1" };
            const record = await client.create(spec("s1", { database: inSchema }));
            assert.deepEqual(record.database, inSchema);
            const sent = server.requests.find((r) => r.action.endsWith(":create"))!.body;
            assert.equal(sent.options.database.schema, "s1");
        });

        it("reads stored options: defaults for a missing port and password, no database without host, name or user", async () => {
            const stored = (name: string, database: Record<string, unknown>) =>
                server.apps.push({ name, cname: null, options: { database }, status: "stopped" });
            const full = { host: "db", port: 6543, username: "u", password: "p", database: "d" };
            stored("o1", { host: "db", username: "u", database: "d" });
            assert.deepEqual((await client.get("o1"))!.database, {
                dialect: "postgres",
                host: "db",
                port: 5432,
                username: "u",
                password: "",
                database: "d",
            });
            for (const missing of ["host", "database", "username"] as const) {
                const { [missing]: _dropped, ...rest } = full;
                stored(`no-${missing}`, rest);
                assert.equal((await client.get(`no-${missing}`))!.database, undefined, missing);
            }
        });

        it("refuses a list answer without rows, and finds an app only under its own name", async () => {
            server.inject(`${resource}:list`, answer({ meta: { page: 1 } }));
            const [err] = await elapsed(() => client.list());
            assert.ok(err instanceof ProtocolError, String(err));
            assert.equal(err.message, `GET /api/${resource}:list: answer has no data array`);
            server.inject(`${resource}:list`, answer({ meta: { page: 1 } }));
            const [byName] = await elapsed(() => client.get("x"));
            assert.ok(byName instanceof ProtocolError, String(byName));
            assert.equal(byName.message, `GET /api/${resource}:list: answer has no data array`);
            // A server that ignored the filter: the row is another app's.
            server.inject(`${resource}:list`, answer({ data: [{ name: "other", status: "running", options: {} }] }));
            assert.equal(await client.get("x"), undefined);
        });

        it("fails the wait for an app's health check when the app is not there, and times out naming its status", async () => {
            const [missing] = await elapsed(() => client.waitForAppHealthy("nope", 1_000));
            assert.ok(missing instanceof SupervisorError, String(missing));
            assert.equal(missing.message, 'app "nope" is in status "not_found" while waiting for it to run');
            server.startDelayMs = 10_000;
            await client.create(spec("h1"));
            const [slow] = await elapsed(() => client.waitForAppHealthy("h1", 200));
            assert.ok(slow instanceof TimeoutError, String(slow));
            assert.equal(
                slow.message,
                'app "h1" did not answer its health check within 200 ms; last status: commanding',
            );
        });

        if (adapter === "applications") {
            it("refuses an update answer that is not a list of rows", async () => {
                await client.create(spec("u1"));
                server.inject("applications:update", answer({ data: { name: "u1" } }));
                const [err] = await elapsed(() => client.update("u1", spec("u1")));
                assert.ok(err instanceof ProtocolError, String(err));
                assert.equal(err.message, "POST /api/applications:update: answer has no data array");
            });
        }

        if (adapter === "app-supervisor") {
            it("accepts an update answered with the row itself, and takes null for no row", async () => {
                await client.create(spec("u1"));
                server.inject("apps:update", answer({ data: { name: "u1" } }));
                assert.equal((await client.update("u1", spec("u1"))).id, "u1");
                server.inject("apps:update", answer({ data: null }));
                await assert.rejects(client.update("u1", spec("u1")), /app "u1" is not registered/);
            });

            it("writes and reads the upgrade choice only when the stack makes one", async () => {
                const held = await client.create(spec("v1", { upgrade: false }));
                assert.equal(held.upgrade, false);
                await client.create(spec("v2"));
                const bodies = server.requests.filter((r) => r.action === "apps:create").map((r) => r.body.options);
                assert.equal(bodies[0].upgrade, false);
                assert.ok(!("upgrade" in bodies[1]), "no upgrade key when the stack says nothing");
                assert.equal((await client.get("v2"))!.upgrade, undefined);
            });

            it("reads an app without a status as stopped", async () => {
                server.inject("apps:list", answer({ data: [{ name: "n1", status: null, options: {} }] }));
                assert.equal((await client.get("n1"))!.status, "stopped");
            });

            it("refuses an environment without a heartbeat, and says when none is known", async () => {
                server.environments = [{ name: "local", available: false }];
                const [stale] = await elapsed(() => client.create(spec("e2", { environment: "local" })));
                assert.ok(stale instanceof ValidationError, String(stale));
                assert.equal(stale.message, 'environment "local" has sent no heartbeat for over 2 minutes');
                server.environments = [
                    { name: "env_a", available: true },
                    { name: "env_b", available: true },
                ];
                const [other] = await elapsed(() => client.create(spec("e2", { environment: "local" })));
                assert.match(String(other), /\(known: env_a, env_b\)/);
                server.environments = [];
                const [none] = await elapsed(() => client.create(spec("e2", { environment: "local" })));
                assert.match(String(none), /environment "local" is not registered with the entry app \(known: none\)/);
            });

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
