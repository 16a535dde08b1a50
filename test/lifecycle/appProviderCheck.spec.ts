/**
 * The app provider's `check`, which runs on every preview before any HTTP: what it makes of the
 * inputs (the engine stores that, and `diff` compares it) and what it refuses, property by property.
 * Pure, so it is tested here rather than only against a real NocoBase.
 */
import * as assert from "node:assert/strict";
import { UNKNOWN_VALUE } from "../../components/core/engine";
import { AppInputs, NocoBaseAppProvider } from "../../components/lifecycle/appProvider";

const provider = new NocoBaseAppProvider();

/** A database the provider accepts, with some fields changed. */
const database = (over: Record<string, unknown> = {}) => ({
    host: "pg",
    port: 5432,
    username: "acme",
    password: "pw",
    database: "acme",
    ...over,
});

/** Inputs as the program sends them, before any default. */
function raw(over: Record<string, unknown> = {}): AppInputs {
    return {
        entryUrl: "http://entry.example.com:13000",
        credentials: { apiKey: "k" },
        appId: "acme",
        displayName: "Acme",
        database: database(),
        ...over,
    } as unknown as AppInputs;
}

interface Failure {
    property: string;
    reason: string;
}
const failure = (property: string, reason: string): Failure => ({ property, reason });
const badId = (id: string) =>
    failure(
        "appId",
        `"${id}" must match /^[a-z][a-z0-9_]{0,62}$/ (lower case, starts with a letter, at most 63 bytes); "main" is reserved`,
    );

async function check(over: Record<string, unknown> = {}) {
    const { inputs, failures } = await provider.check({} as AppInputs, raw(over));
    return { inputs: inputs as unknown as Record<string, unknown>, failures: failures ?? [] };
}

describe("app provider: check", () => {
    it("fills the documented defaults and accepts a minimal app", async () => {
        const { inputs, failures } = await check();
        assert.deepEqual(failures, []);
        assert.equal(inputs.adapter, "applications");
        assert.equal(inputs.environment, "local");
        assert.equal(inputs.startMode, "first-visit");
        assert.equal(inputs.state, "running");
        assert.equal(inputs.upgrade, true);
        assert.equal(inputs.providerVersion, "1");
        assert.ok(!("cname" in inputs) && !("jwtSecret" in inputs));
    });

    it("keeps what was given over the defaults", async () => {
        const given = { adapter: "app-supervisor", environment: "eu", startMode: "with-main", state: "stopped" };
        const { inputs, failures } = await check({ ...given, upgrade: false, providerVersion: "7" });
        assert.deepEqual(failures, []);
        assert.deepEqual(
            { ...given, upgrade: false, providerVersion: "7" },
            {
                adapter: inputs.adapter,
                environment: inputs.environment,
                startMode: inputs.startMode,
                state: inputs.state,
                upgrade: inputs.upgrade,
                providerVersion: inputs.providerVersion,
            },
        );
    });

    it("normalises what a stack file may spell loosely, so that diff sees no change in it", async () => {
        const { inputs, failures } = await check({
            entryUrl: " http://entry.example.com:13000// ",
            appId: " acme ",
            displayName: " Acme ",
            cname: " Acme.Example.COM ",
            environment: " eu ",
            jwtSecret: " s3cret ",
            database: {
                host: " pg ",
                port: "6432",
                username: " acme ",
                password: "pw",
                database: " acme ",
                schema: " tenant ",
            },
        });
        assert.deepEqual(failures, []);
        assert.equal(inputs.entryUrl, "http://entry.example.com:13000");
        assert.equal(inputs.appId, "acme");
        assert.equal(inputs.displayName, "Acme");
        assert.equal(inputs.cname, "acme.example.com");
        assert.equal(inputs.environment, "eu");
        assert.equal(inputs.jwtSecret, "s3cret");
        assert.deepEqual(inputs.database, {
            host: "pg",
            port: 6432,
            username: "acme",
            password: "pw",
            database: "acme",
            schema: "tenant",
        });
    });

    it("drops an empty domain, JWT secret and schema instead of storing them", async () => {
        for (const empty of ["", null]) {
            const { inputs } = await check({
                cname: empty,
                jwtSecret: empty,
                database: database({ schema: empty }),
            });
            assert.ok(!("cname" in inputs), `cname ${String(empty)}`);
            assert.ok(!("jwtSecret" in inputs), `jwtSecret ${String(empty)}`);
            assert.ok(!("schema" in (inputs.database as object)), `schema ${String(empty)}`);
        }
    });

    it("leaves values the engine does not know yet as they are, and refuses none of them", async () => {
        const { inputs, failures } = await check({
            appId: UNKNOWN_VALUE,
            displayName: UNKNOWN_VALUE,
            entryUrl: UNKNOWN_VALUE,
            database: UNKNOWN_VALUE,
        });
        assert.deepEqual(failures, []);
        assert.equal(inputs.database, UNKNOWN_VALUE);
        const db = await check({
            database: {
                host: UNKNOWN_VALUE,
                port: UNKNOWN_VALUE,
                username: UNKNOWN_VALUE,
                password: UNKNOWN_VALUE,
                database: UNKNOWN_VALUE,
            },
        });
        assert.deepEqual(db.failures, []);
        assert.equal((db.inputs.database as Record<string, unknown>).port, UNKNOWN_VALUE);
    });

    // One row per refusal: the property it names and the exact reason.
    const refusals: Array<[string, Record<string, unknown>, Failure[]]> = [
        ["an id NocoBase would take but a database name cannot", { appId: "Acme-1" }, [badId("Acme-1")]],
        ["an id of 64 characters", { appId: `a${"b".repeat(63)}` }, [badId(`a${"b".repeat(63)}`)]],
        ["an id that is not text", { appId: 7 }, [badId("7")]],
        ["the entry app's own id", { appId: "main" }, [failure("appId", '"main" is reserved by NocoBase')]],
        ["no id", { appId: undefined }, [failure("appId", "is required")]],
        ["an empty display name", { displayName: "" }, [failure("displayName", "must be a non-empty string")]],
        [
            "a display name that is not text",
            { displayName: 42 },
            [failure("displayName", "must be a non-empty string")],
        ],
        [
            "an entry URL without a scheme",
            { entryUrl: "entry.example.com" },
            [failure("entryUrl", '"entry.example.com" is not an http(s) URL')],
        ],
        [
            "an entry URL with a scheme that is not its first word",
            { entryUrl: "ftp://entry.example.com/?via=http://proxy" },
            [failure("entryUrl", '"ftp://entry.example.com/?via=http://proxy" is not an http(s) URL')],
        ],
        [
            "an entry URL without a host",
            { entryUrl: "http:///x" },
            [failure("entryUrl", '"http:///x" is not an http(s) URL')],
        ],
        [
            "an unknown adapter",
            { adapter: "supervisor" },
            [failure("adapter", "must be one of applications, app-supervisor")],
        ],
        [
            "an unknown start mode",
            { startMode: "eager" },
            [failure("startMode", "must be one of first-visit, with-main")],
        ],
        [
            "a retired state, which only a decommission sets",
            { state: "decommissioned" },
            [failure("state", "must be one of running, stopped")],
        ],
        ["no database", { database: undefined }, [failure("database", "is required")]],
        [
            "a database with empty fields",
            { database: database({ host: "", username: "", password: "", database: "" }) },
            ["host", "username", "password", "database"].map((k) =>
                failure(`database.${k}`, "must be a non-empty string"),
            ),
        ],
        [
            "a database whose fields are not text",
            { database: database({ host: 10, username: true, password: {}, database: ["acme"] }) },
            ["host", "username", "password", "database"].map((k) =>
                failure(`database.${k}`, "must be a non-empty string"),
            ),
        ],
        [
            "a database without a port",
            { database: database({ port: undefined }) },
            [failure("database.port", "undefined is not a TCP port")],
        ],
        ...[0, 65536, 1.5, "x"].map((port): [string, Record<string, unknown>, Failure[]] => [
            `database port ${JSON.stringify(port)}`,
            { database: database({ port }) },
            [failure("database.port", `${port === "x" ? "NaN" : String(port)} is not a TCP port`)],
        ]),
    ];
    for (const [what, over, failures] of refusals) {
        it(`refuses ${what}`, async () => {
            assert.deepEqual((await check(over)).failures, failures);
        });
    }

    it("accepts the ends of the ranges it checks", async () => {
        for (const over of [
            { appId: `a${"b".repeat(62)}` },
            { appId: "a" },
            { entryUrl: "https://e" },
            { database: database({ port: 1 }) },
            { database: database({ port: 65535 }) },
        ]) {
            assert.deepEqual((await check(over)).failures, [], JSON.stringify(over));
        }
    });
});
