import * as assert from "node:assert/strict";
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
