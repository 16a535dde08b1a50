/**
 * What each runtime asks its engine for, read off the program's renders: the Docker daemon or
 * cluster context a stack names, the volume several replicas can share.
 */
import * as assert from "node:assert/strict";
import type { Rendered } from "../../cli/harness/render";
import { nonEmpty, ofType, renderStack } from "../support/stacks";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

describe("runtimes: what each engine is asked for", function () {
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

    describe("Kubernetes workloads", () => {
        let rendered: Rendered;
        before(async () => {
            rendered = await renderStack("prod", (c) => (c.environments[1].replicas = 2));
        });

        it("mounts a ReadWriteMany claim under several replicas and a ReadWriteOnce one under one", () => {
            const claims = new Map(
                ofType(rendered, PVC).map((c) => [(c.inputs as any).metadata.name, (c.inputs as any).spec.accessModes]),
            );
            const seen = new Set<number>();
            for (const d of nonEmpty(ofType(rendered, DEPLOYMENT), "Deployments")) {
                const spec = (d.inputs as any).spec;
                const claimName = spec.template.spec.volumes[0].persistentVolumeClaim.claimName;
                // Pods of one Deployment may land on different nodes: only RWX lets them all mount it.
                assert.deepEqual(
                    claims.get(claimName),
                    [spec.replicas > 1 ? "ReadWriteMany" : "ReadWriteOnce"],
                    `${d.name} (${spec.replicas} replicas) mounts ${claimName}`,
                );
                seen.add(spec.replicas);
            }
            assert.deepEqual([...seen].sort(), [1, 2], "both kinds rendered");
        });
    });
});
