/**
 * The engine each runtime's provider talks to, read off the program's renders: the Docker daemon
 * or the cluster context the stack names.
 */
import * as assert from "node:assert/strict";
import { nonEmpty, ofType, renderStack } from "../support/stacks";

describe("runtimes: the engine each provider talks to", function () {
    this.timeout(60_000);

    it("talks to the Docker daemon the runtime names", async () => {
        const host = "ssh://deploy@edge.example.com";
        const rendered = await renderStack("dev", (c) => (c.runtimes.local.host = host));
        const providers = nonEmpty(ofType(rendered, "pulumi:providers:docker"), "Docker providers");
        assert.deepEqual(
            providers.map((p) => [p.name, p.inputs.host]),
            [["platform-runtime-local-provider", host]],
        );
    });

    it("talks to the cluster context each Kubernetes runtime names", async () => {
        const rendered = await renderStack("prod");
        assert.deepEqual(
            ofType(rendered, "pulumi:providers:kubernetes")
                .map((p) => [p.name, p.inputs.context])
                .sort(),
            [
                ["platform-runtime-eu-provider", "prod-eu"],
                ["platform-runtime-us-provider", "prod-us"],
            ],
        );
    });
});
