// Runs the engine benchmark's workloads on the npm package aws-local-stepfunctions, the peer our engine is
// measured against. Invoked by EngineBenchmark.cs:
//
//   node peer-bench.mjs <path to aws-local-stepfunctions' ESM build> <workloads.json>
//
// workloads.json: {"seconds": s, "warmupSeconds": w, "workloads": [{"name", "definition", "input"}]}
// Prints one JSON object: {"<name>": {"executions", "seconds", "output"}}. Each workload's StateMachine is built
// once and run sequentially (one execution at a time, awaited), as the .NET side does.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [modulePath, workloadsPath] = process.argv.slice(2);
const { StateMachine } = await import(pathToFileURL(modulePath).href);
const config = JSON.parse(readFileSync(workloadsPath, 'utf8'));

async function runFor(stateMachine, input, seconds) {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let executions = 0;
  let output;
  while (performance.now() < deadline) {
    output = await stateMachine.run(input).result;
    executions++;
  }
  return { executions, seconds: (performance.now() - started) / 1000, output };
}

const results = {};
for (const workload of config.workloads) {
  const stateMachine = new StateMachine(JSON.parse(workload.definition));
  const input = JSON.parse(workload.input);
  await runFor(stateMachine, input, config.warmupSeconds);
  results[workload.name] = await runFor(stateMachine, input, config.seconds);
}

process.stdout.write(JSON.stringify(results));
