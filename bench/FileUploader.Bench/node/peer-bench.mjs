// Runs the engine benchmark's workloads on the npm package aws-local-stepfunctions, the peer our engine is
// measured against. Invoked by EngineBenchmark.cs:
//
//   node peer-bench.mjs <path to aws-local-stepfunctions' ESM build> <workloads.json>
//
// workloads.json: {"seconds": s, "warmupSeconds": w, "concurrency": n, "workloads": [{"name", "definition", "input"}]}
// Prints one JSON object: {"<name>": {"executions", "seconds", "output", "concurrent": {"executions", "seconds"}}}.
// Each workload's StateMachine is built once and run sequentially (one execution at a time, awaited), as the .NET
// side does, then with `concurrency` executions in flight.
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

// `concurrency` executions in flight at once (each loop awaits its own, Promise.all over the loops), the
// counterpart of the .NET side's concurrent journaled column.
async function runConcurrentFor(stateMachine, input, seconds, concurrency) {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let executions = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      await stateMachine.run(input).result;
      executions++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { executions, seconds: (performance.now() - started) / 1000 };
}

const results = {};
for (const workload of config.workloads) {
  const stateMachine = new StateMachine(JSON.parse(workload.definition));
  const input = JSON.parse(workload.input);
  await runFor(stateMachine, input, config.warmupSeconds);
  results[workload.name] = await runFor(stateMachine, input, config.seconds);
  if (config.concurrency > 1) {
    results[workload.name].concurrent = await runConcurrentFor(stateMachine, input, config.seconds, config.concurrency);
  }
}

process.stdout.write(JSON.stringify(results));
