/**
 * One JSON call to the entry app (requestJson), its URL and its health probe, against the fake
 * entry app: which answers are retried, which fail at once and how they are named, and how the
 * backoff keeps within the call's deadline. The backoff's jitter is pinned (Math.random) where a
 * test counts the time a call waits.
 */
import * as assert from "node:assert/strict";
import * as net from "node:net";
import { HttpContext, apiUrl, probe, requestJson } from "../../components/supervisor/http";
import {
    AuthError,
    NotFoundError,
    ProtocolError,
    SupervisorError,
    TimeoutError,
    TransientError,
    ValidationError,
} from "../../components/supervisor";
import { API_KEY, FaultServer } from "../support/faultServer";

const FAST = { requestMs: 300, callMs: 2_000, retries: 8, backoffBaseMs: 10, backoffCapMs: 50, pollMs: 20 };
const LIST = { method: "GET", path: "applications:list", idempotent: true } as const;
const AUTH = { authorization: `Bearer ${API_KEY}` };
const BUSY = { kind: "status" as const, status: 503, body: { error: { code: "APP_INITIALIZING" } } };

async function failure(call: Promise<unknown>): Promise<Error> {
    try {
        await call;
    } catch (err) {
        return err as Error;
    }
    assert.fail("the call succeeded");
}

/** Runs `fn` with the backoff's jitter at its maximum, so that each wait is its whole bound. */
async function withFullJitter<T>(fn: () => Promise<T>): Promise<T> {
    const random = Math.random;
    Math.random = () => 0.999;
    try {
        return await fn();
    } finally {
        Math.random = random;
    }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
    const probeServer = net.createServer();
    await new Promise<void>((resolve) => probeServer.listen(0, "127.0.0.1", resolve));
    const { port } = probeServer.address() as net.AddressInfo;
    await new Promise((resolve) => probeServer.close(resolve));
    return port;
}

describe("the entry app's HTTP calls (requestJson, apiUrl, probe)", () => {
    let server: FaultServer;
    let ctx: HttpContext;

    beforeEach(async () => {
        server = new FaultServer();
        ctx = { baseUrl: await server.start(), timeouts: FAST };
    });
    afterEach(() => server.close());

    it("apiUrl: one slash before /api whatever the base ends with, and no empty query values", () => {
        for (const base of ["http://h:1/base", "http://h:1/base/", "http://h:1/base//"])
            assert.equal(
                apiUrl(base, "applications:list", { page: 2, filter: undefined }),
                "http://h:1/base/api/applications:list?page=2",
                base,
            );
    });

    it("sends a JSON content type with a body only", async () => {
        await requestJson(ctx, { ...LIST, headers: AUTH });
        await requestJson(ctx, {
            method: "POST",
            path: "applications:create",
            body: { name: "a1", options: {} },
            headers: AUTH,
            idempotent: false,
        });
        assert.deepEqual(
            server.requests.map((r) => [r.action, r.contentType]),
            [
                ["applications:list", undefined],
                ["applications:create", "application/json"],
            ],
        );
        assert.equal(server.appsNamed("a1").length, 1, "the body reached the server as JSON");
    });

    it("names the call, the status and NocoBase's code in an authentication failure", async () => {
        const err = await failure(requestJson(ctx, { ...LIST, headers: { authorization: "Bearer stale" } }));
        assert.ok(err instanceof AuthError, String(err));
        assert.equal(
            err.message,
            "GET /api/applications:list: HTTP 401 INVALID_TOKEN: Your session has expired. Please sign in again.",
        );
    });

    it("fails at once on 403 (a role without the permission), as on 401", async () => {
        server.inject("applications:list", {
            kind: "status",
            status: 403,
            body: { errors: [{ message: "No permissions" }] },
        });
        const err = await failure(requestJson(ctx, { ...LIST, headers: AUTH }));
        assert.ok(err instanceof AuthError, String(err));
        assert.equal(err.message, "GET /api/applications:list: HTTP 403: No permissions");
        assert.equal(server.count(), 1);
    });

    it("quotes a 404's body when NocoBase says nothing of its own", async () => {
        server.inject("applications:list", { kind: "raw", status: 404, text: "Not Found" });
        const err = await failure(requestJson(ctx, { ...LIST, headers: AUTH }));
        assert.ok(err instanceof NotFoundError, String(err));
        assert.equal(err.message, 'GET /api/applications:list: HTTP 404: "Not Found"');
    });

    it("an error page without NocoBase's message is a plain SupervisorError, its text quoted on one line", async () => {
        server.inject("applications:list", {
            kind: "raw",
            status: 500,
            text: "<html>\n  <b>Internal</b>\n\n error </html>\n",
        });
        const err = await failure(requestJson(ctx, { ...LIST, headers: AUTH }));
        assert.ok(err instanceof SupervisorError && !(err instanceof ValidationError), String(err));
        assert.equal(err.message, 'GET /api/applications:list: HTTP 500: "<html> <b>Internal</b> error </html>"');
        assert.equal(server.count(), 1);
    });

    it("quotes a body of 200 characters whole, and cuts a longer one", async () => {
        const exactly = "y".repeat(200);
        server.inject("applications:list", { kind: "raw", status: 200, text: exactly });
        const whole = await failure(requestJson(ctx, { ...LIST, headers: AUTH }));
        assert.ok(whole instanceof ProtocolError, String(whole));
        assert.ok(whole.message.endsWith(`not JSON: "${exactly}"`), whole.message);
        server.inject("applications:list", { kind: "raw", status: 200, text: `${exactly}z` });
        const cut = await failure(requestJson(ctx, { ...LIST, headers: AUTH }));
        assert.ok(cut.message.endsWith(`not JSON: "${exactly}…"`), cut.message);
    });

    it("retries a busy code only on a 503: on another status the request was handled", async () => {
        server.inject("applications:list", {
            kind: "status",
            status: 500,
            body: { errors: [{ message: "boom", code: "APP_COMMANDING" }] },
        });
        const err = await failure(requestJson(ctx, { ...LIST, headers: AUTH }));
        assert.ok(err instanceof ValidationError, String(err));
        assert.equal(server.count(), 1);
    });

    it("does not resend a write a proxy answered 502 to: the upstream may have applied it", async () => {
        server.inject("applications:create", { kind: "status", status: 502, body: "<html>Bad Gateway</html>" });
        const err = await failure(
            requestJson(ctx, {
                method: "POST",
                path: "applications:create",
                body: { name: "p1" },
                headers: AUTH,
                idempotent: false,
            }),
        );
        assert.ok(err instanceof TransientError && err.outcomeUnknown, String(err));
        assert.equal(
            err.message,
            "POST /api/applications:create: HTTP 502; the request may or may not have been applied",
        );
        assert.equal(server.count(), 1);
    });

    it("resends even a write the server never received (connection refused), and names the cause", async () => {
        const refused = {
            ...ctx,
            baseUrl: `http://127.0.0.1:${await closedPort()}`,
            timeouts: { ...FAST, retries: 2 },
        };
        const err = await failure(
            requestJson(refused, { method: "POST", path: "applications:create", body: {}, idempotent: false }),
        );
        assert.ok(err instanceof TransientError, String(err));
        assert.equal(err.outcomeUnknown, false);
        assert.equal(err.attempts, 3);
        assert.match(err.message, /gave up after 3 attempt\(s\) in \d+ ms; last: ECONNREFUSED$/);
    });

    it("ends a call whose answers never come at its deadline, the last attempt cut to the time left", async () => {
        server.inject("applications:list", { kind: "slow", ms: 5_000 }, Infinity);
        const bounded = { ...ctx, timeouts: { ...FAST, callMs: 700 } };
        const err = await failure(requestJson(bounded, { ...LIST, headers: AUTH }));
        assert.ok(err instanceof TransientError, String(err));
        // 300 ms, 300 ms, then what is left: no attempt is started once the deadline has passed.
        assert.match(err.message, /last: no answer within [1-9]\d* ms$/);
        assert.ok(err.attempts >= 2 && err.attempts <= 3, `${err.attempts} attempts`);
    });

    it("says so when the deadline leaves no time for a single attempt", async () => {
        const none = { ...ctx, timeouts: { ...FAST, callMs: 0 } };
        const err = await failure(requestJson(none, { ...LIST, headers: AUTH }));
        assert.ok(err instanceof TransientError, String(err));
        assert.match(err.message, /gave up after 0 attempt\(s\) in \d+ ms; last: call deadline reached$/);
        assert.equal(server.count(), 0);
    });

    it("reports how long it tried, within the call's deadline", async () => {
        server.inject("applications:list", BUSY, Infinity);
        const started = Date.now();
        const err = await failure(requestJson(ctx, { ...LIST, headers: AUTH }));
        const took = Date.now() - started;
        const reported = Number(/in (\d+) ms/.exec(err.message)?.[1]);
        assert.ok(reported <= took && reported <= FAST.callMs, `${reported} ms reported, ${took} ms taken`);
    });

    it("waits the capped exponential backoff between attempts", async () => {
        // Full jitter at its bound: 10, 20, 40, then 50 ms (the cap) for each further retry.
        server.inject("applications:list", BUSY, 8);
        const started = Date.now();
        await withFullJitter(() => requestJson(ctx, { ...LIST, headers: AUTH }));
        const took = Date.now() - started;
        assert.equal(server.count(), 9);
        assert.ok(took >= 300, `${took} ms: the waits are 10+20+40+5×50 ms`);
        assert.ok(took < 1_000, `${took} ms: no wait above the 50 ms cap`);
    });

    it("does not start a wait that would end past the call's deadline", async () => {
        server.inject("applications:list", BUSY, Infinity);
        const slow = { ...ctx, timeouts: { ...FAST, callMs: 300, backoffBaseMs: 1_000, backoffCapMs: 1_000 } };
        const started = Date.now();
        const err = await withFullJitter(() => failure(requestJson(slow, { ...LIST, headers: AUTH })));
        assert.ok(err instanceof TransientError, String(err));
        assert.ok(Date.now() - started < 700, `${Date.now() - started} ms`);
        assert.equal(server.count(), 1);
    });

    it("does not wait after its last attempt", async () => {
        server.inject("applications:list", BUSY, Infinity);
        const once = {
            ...ctx,
            timeouts: { ...FAST, callMs: 5_000, retries: 1, backoffBaseMs: 400, backoffCapMs: 400 },
        };
        const started = Date.now();
        await withFullJitter(() => failure(requestJson(once, { ...LIST, headers: AUTH })));
        const took = Date.now() - started;
        assert.equal(server.count(), 2);
        assert.ok(took >= 350 && took < 750, `${took} ms: one wait of 400 ms between two attempts`);
    });

    it("probe: a health check that does not answer counts as no answer, within the request timeout", async () => {
        server.inject("__health_check", { kind: "slow", ms: 3_000 });
        const started = Date.now();
        assert.equal(await probe(ctx, "__health_check"), undefined);
        assert.ok(Date.now() - started < 1_500, `${Date.now() - started} ms`);
        assert.equal(await probe(ctx, "__health_check"), 200);
    });

    it("every error says its own name, whatever a bundler renames its class to", () => {
        const cases: Array<[Error, string]> = [
            [new SupervisorError("m"), "SupervisorError"],
            [new AuthError("m"), "AuthError"],
            [new NotFoundError("m"), "NotFoundError"],
            [new ValidationError("m"), "ValidationError"],
            [new ProtocolError("m"), "ProtocolError"],
            [new TimeoutError("m"), "TimeoutError"],
            [new TransientError("m", 1), "TransientError"],
        ];
        for (const [err, name] of cases) assert.equal(String(err), `${name}: m`);
    });
});
