/**
 * The SDK-floor baseline, as a Pulumi program: config `bench:count` plain resources (random.RandomId),
 * no parents, no logic. The benchmark renders it through `renderProgram`, like the real program.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

const count = new pulumi.Config("bench").requireNumber("count");
for (let i = 0; i < count; i++) new random.RandomId(`floor-${i}`, { byteLength: 8 });
