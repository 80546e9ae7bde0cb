#!/usr/bin/env node
// Validates the deployment manifests (scripts/test.sh, before the build, so plain JavaScript):
//
//   node scripts/contracts/validate-manifests.js [checkout]   (default: this checkout)
//
// deploy/kubernetes/ (exactly what `kubectl apply -k` applies):
//   1. every `resources:` entry of kustomization.yaml exists, and every manifest there is listed;
//   2. every object against the Kubernetes API schema bundled in the `kubernetes-models` npm
//      package (types, required fields, enums, formats; no download at run time);
//   3. unknown fields, which the API schema lets through and the API server silently drops
//      (a misspelled `readinessprobe` is a probe that never runs): each object is type-checked
//      as an object literal against the package's TypeScript interfaces, whose excess-property
//      check catches them at any depth;
//   4. the wiring between objects: selectors, named ports, ConfigMap/Secret references, the
//      autoscaler's target, probes on /readyz and /healthz, resources, image names.
// deploy/grafana/*.json:
//   6. the dashboards are Grafana JSON (schemaVersion, unique panel ids, a grid of 24 columns,
//      queries on the `$datasource` variable), and every `bellwether_*` metric they query is
//      registered somewhere in apps/ or libs/ (or is a prom-client default, or a planned metric
//      whose panel says so), so a renamed metric cannot silently empty a panel.
// docker-compose.yml:
//   5. against the Compose Specification JSON Schema (as bundled by the `dclint` npm package),
//      plus its wiring (depends_on targets and conditions, named volumes); and with
//      `docker compose config -q` too where the Compose plugin is installed.
//
// Prints one line per file and every problem as `file: Kind/name: path: message`; exits 1 on
// any problem.
'use strict';

const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');
const YAML = require('yaml');
const ts = require('typescript');

const root = process.argv[2] ? require('node:path').resolve(process.argv[2]) : join(__dirname, '../..');
const kubeDir = join(root, 'deploy/kubernetes');
const composeFile = join(root, 'docker-compose.yml');
const grafanaDir = join(root, 'deploy/grafana');

const problems = [];
const report = (file, where, message) => problems.push(`${relative(root, file)}: ${where ? `${where}: ` : ''}${message}`);
const nameOf = (object) => `${object.kind ?? '?'}/${object.metadata?.name ?? '?'}`;

/** Parses every YAML document of a file; syntax errors are reported with their line. */
function readYamlDocuments(file) {
  const documents = YAML.parseAllDocuments(readFileSync(file, 'utf8'), { merge: true, prettyErrors: true });
  const objects = [];
  for (const document of documents) {
    for (const error of document.errors) report(file, '', `YAML: ${error.message.split('\n')[0]}`);
    const value = document.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

/** kubernetes-models module path of an apiVersion + kind (`apps/v1` + `Deployment`). */
function modelPath(apiVersion, kind) {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

function loadModel(apiVersion, kind) {
  try {
    return require(modelPath(apiVersion, kind))[kind];
  } catch {
    return undefined;
  }
}

/** Drops the noise of oneOf/anyOf branches: a branch error with a more specific one under its path. */
function mostSpecific(errors) {
  const branchNoise = new Set(['oneOf', 'anyOf', 'type', 'if', 'then', 'else']);
  return errors.filter((error) => !branchNoise.has(error.keyword) || !errors.some((other) => other.instancePath.startsWith(`${error.instancePath}/`)));
}

/** Objects that failed the API schema (their TypeScript type errors would only repeat it). */
const failedSchema = new Set();

function validateAgainstApiSchema(file, object) {
  const Model = typeof object.apiVersion === 'string' && typeof object.kind === 'string' ? loadModel(object.apiVersion, object.kind) : undefined;
  if (!Model) {
    report(file, nameOf(object), `unknown apiVersion/kind "${object.apiVersion} ${object.kind}" (not in the Kubernetes API of kubernetes-models)`);
    return false;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    failedSchema.add(object);
    const errors = Array.isArray(error.errors) ? mostSpecific(error.errors) : [{ instancePath: '', message: error.message }];
    for (const problem of errors) {
      const extra = problem.params?.allowedValues ? ` (${problem.params.allowedValues.join(', ')})` : problem.params?.missingProperty ? ` (${problem.params.missingProperty})` : '';
      report(file, nameOf(object), `${toDotted(problem.instancePath) || '(root)'}: ${problem.message}${extra}`);
    }
  }
  return true;
}

function toDotted(pointer) {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('')
    .replace(/^\./, '');
}

/**
 * Writes `value` as a TypeScript object literal, one property per line, and remembers the
 * object path of every line, so a compiler diagnostic can be told as `spec.template...`.
 */
function literal(value, path, lines, indent) {
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item, index) => {
      lines.push(`${path}[${index}]`);
      return `${pad}  ${literal(item, `${path}[${index}]`, lines, indent + 1)}`;
    });
    lines.push(path);
    return `[\n${items.join(',\n')}\n${pad}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const parts = entries.map(([key, item]) => {
      const childPath = path ? `${path}.${key}` : key;
      lines.push(childPath);
      return `${pad}  ${JSON.stringify(key)}: ${literal(item, childPath, lines, indent + 1)}`;
    });
    lines.push(path);
    return `{\n${parts.join(',\n')}\n${pad}}`;
  }
  return JSON.stringify(value);
}

/** One TypeScript pass over every object; returns its diagnostics, each tied to an object path. */
function typeCheck(entries) {
  const fileName = join(__dirname, '__manifests__.ts'); // virtual: served from memory, never written
  const source = [];
  const lineOwners = []; // line index → { entry, path }
  entries.forEach((entry, index) => {
    const { object } = entry;
    source.push(`import type { I${object.kind} as T${index} } from ${JSON.stringify(modelPath(object.apiVersion, object.kind))};`);
    lineOwners.push({ entry, path: '' });
    const paths = [];
    const bodyLines = `export const object${index}: T${index} = ${literal(object, '', paths, 0)};`.split('\n');
    // `paths` holds the object path of every line after the opening one.
    bodyLines.forEach((line, offset) => {
      source.push(line);
      lineOwners.push({ entry, path: offset === 0 ? '' : (paths[offset - 1] ?? '') });
    });
  });
  const text = source.join('\n');
  const options = { strict: true, noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022 };
  const host = ts.createCompilerHost(options);
  const { fileExists, getSourceFile, readFile } = { fileExists: host.fileExists.bind(host), getSourceFile: host.getSourceFile.bind(host), readFile: host.readFile.bind(host) };
  host.readFile = (name) => (name === fileName ? text : readFile(name));
  host.fileExists = (name) => name === fileName || fileExists(name);
  host.getSourceFile = (name, languageVersion, ...rest) => (name === fileName ? ts.createSourceFile(name, text, languageVersion, true) : getSourceFile(name, languageVersion, ...rest));
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0];
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) return { message };
    const owner = lineOwners[diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line];
    const unknown = /Object literal may only specify known properties, and '"?([^'"]+)"?' does not exist in type '([^']+)'/.exec(message);
    return { message, entry: owner?.entry, path: owner?.path ?? '', unknownIn: unknown ? unknown[2] : undefined };
  });
}

function deletePath(object, path) {
  const segments = path.match(/[^.[\]]+/g) ?? [];
  const last = segments.pop();
  const parent = segments.reduce((node, segment) => (node && typeof node === 'object' ? node[segment] : undefined), object);
  if (parent && typeof parent === 'object' && last !== undefined) delete parent[last];
}

/**
 * Unknown fields by the TypeScript interfaces of kubernetes-models. TypeScript names at most one
 * excess property per object literal and assignment, so unknown fields are removed from a copy
 * and the check repeats until it finds no more.
 */
function checkUnknownFields(entries) {
  const copies = entries.map((entry) => ({ ...entry, original: entry.object, object: structuredClone(entry.object) }));
  for (let round = 0; round < 25; round += 1) {
    const diagnostics = typeCheck(copies);
    const unknown = diagnostics.filter((diagnostic) => diagnostic.unknownIn && diagnostic.entry);
    for (const diagnostic of unknown) {
      const type = diagnostic.unknownIn.replace(/^IIoK8s(?:Api|Apimachinery)\w*?V\d(?:(?:alpha|beta)\d+)?(?=[A-Z][a-z])/, '');
      report(diagnostic.entry.file, nameOf(diagnostic.entry.original), `${diagnostic.path || '(root)'}: unknown field (not in ${type})`);
      deletePath(diagnostic.entry.object, diagnostic.path);
    }
    if (unknown.length > 0) continue;
    for (const diagnostic of diagnostics) {
      if (diagnostic.entry && failedSchema.has(diagnostic.entry.original)) continue; // already told by the schema
      report(diagnostic.entry?.file ?? kubeDir, diagnostic.entry ? nameOf(diagnostic.entry.original) : 'type check', `${diagnostic.path || '(root)'}: ${diagnostic.message}`);
    }
    return;
  }
  report(kubeDir, 'type check', 'too many unknown fields; fix the ones above first');
}

const labelsMatch = (selector, labels) => Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);

function probePath(probe) {
  return probe?.httpGet?.path;
}

function checkWiring(kustomization, entries) {
  const objects = entries.map((entry) => entry.object);
  const byKind = (kind) => entries.filter((entry) => entry.object.kind === kind);
  const configMaps = new Map(byKind('ConfigMap').map(({ object }) => [object.metadata.name, object]));
  const secrets = new Map(byKind('Secret').map(({ object }) => [object.metadata.name, object]));
  const deployments = byKind('Deployment');
  const workloads = [...deployments, ...byKind('Job')];
  const images = new Set((kustomization.images ?? []).map((image) => image.name));
  const namespace = kustomization.namespace;

  const seen = new Set();
  for (const { file, object } of entries) {
    const id = `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
    if (seen.has(id)) report(file, nameOf(object), 'defined twice');
    seen.add(id);
    if (object.kind !== 'Namespace' && namespace && object.metadata?.namespace && object.metadata.namespace !== namespace) {
      report(file, nameOf(object), `metadata.namespace "${object.metadata.namespace}" differs from the kustomization's "${namespace}"`);
    }
    if (object.metadata?.labels?.['app.kubernetes.io/part-of'] !== 'bellwether') report(file, nameOf(object), 'metadata.labels: app.kubernetes.io/part-of=bellwether is missing');
  }

  for (const { file, object } of workloads) {
    const where = nameOf(object);
    const pod = object.spec?.template?.spec ?? {};
    if (object.kind === 'Deployment' && !labelsMatch(object.spec?.selector?.matchLabels, object.spec?.template?.metadata?.labels)) {
      report(file, where, 'spec.selector.matchLabels does not match spec.template.metadata.labels');
    }
    (pod.containers ?? []).forEach((container, index) => {
      const at = `spec.template.spec.containers[${index}]`;
      const imageName = String(container.image ?? '').replace(/[:@].*$/, '');
      if (!images.has(imageName)) report(file, where, `${at}.image: "${imageName}" has no entry in kustomization.yaml images (its tag would never be set)`);
      if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory) report(file, where, `${at}.resources.requests: cpu and memory are required`);
      if (!container.resources?.limits?.memory) report(file, where, `${at}.resources.limits.memory is required`);
      if (container.securityContext?.readOnlyRootFilesystem !== true) report(file, where, `${at}.securityContext.readOnlyRootFilesystem should be true`);
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef && !configMaps.has(source.configMapRef.name)) report(file, where, `${at}.envFrom: ConfigMap "${source.configMapRef.name}" is not defined`);
        if (source.secretRef && !secrets.has(source.secretRef.name)) report(file, where, `${at}.envFrom: Secret "${source.secretRef.name}" is not defined`);
      }
      for (const variable of container.env ?? []) {
        const secretKey = variable.valueFrom?.secretKeyRef;
        if (secretKey) {
          const secret = secrets.get(secretKey.name);
          const keys = new Set([...Object.keys(secret?.data ?? {}), ...Object.keys(secret?.stringData ?? {})]);
          if (!secret || !keys.has(secretKey.key)) report(file, where, `${at}.env.${variable.name}: Secret "${secretKey.name}" has no key "${secretKey.key}"`);
        }
        const mapKey = variable.valueFrom?.configMapKeyRef;
        if (mapKey && !(configMaps.get(mapKey.name)?.data ?? {})[mapKey.key]) report(file, where, `${at}.env.${variable.name}: ConfigMap "${mapKey.name}" has no key "${mapKey.key}"`);
      }
      const mounts = new Set((pod.volumes ?? []).map((volume) => volume.name));
      for (const mount of container.volumeMounts ?? []) if (!mounts.has(mount.name)) report(file, where, `${at}.volumeMounts: volume "${mount.name}" is not defined`);
      if (object.kind === 'Deployment') {
        if (probePath(container.readinessProbe) !== '/readyz') report(file, where, `${at}.readinessProbe must GET /readyz`);
        if (probePath(container.livenessProbe) !== '/healthz') report(file, where, `${at}.livenessProbe must GET /healthz`);
        const ports = new Set((container.ports ?? []).map((port) => port.name));
        for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
          const port = container[probe]?.httpGet?.port;
          if (typeof port === 'string' && !ports.has(port)) report(file, where, `${at}.${probe}: port "${port}" is not a named container port`);
        }
        const portVariable = (container.env ?? []).find((variable) => variable.name === 'PORT')?.value;
        if (portVariable && !(container.ports ?? []).some((port) => String(port.containerPort) === portVariable)) {
          report(file, where, `${at}: PORT=${portVariable} is not one of the container ports`);
        }
      }
    });
  }

  for (const { file, object } of byKind('Service')) {
    const targets = deployments.filter(({ object: deployment }) => labelsMatch(object.spec?.selector, deployment.spec?.template?.metadata?.labels));
    if (targets.length !== 1) {
      report(file, nameOf(object), `spec.selector matches ${targets.length} Deployments (expected 1)`);
      continue;
    }
    const containerPorts = (targets[0].object.spec.template.spec.containers ?? []).flatMap((container) => container.ports ?? []);
    for (const port of object.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const found = containerPorts.some((candidate) => (typeof target === 'string' ? candidate.name === target : candidate.containerPort === target));
      if (!found) report(file, nameOf(object), `spec.ports: targetPort ${JSON.stringify(target)} is not a port of Deployment/${targets[0].object.metadata.name}`);
    }
  }

  for (const { file, object } of byKind('PodDisruptionBudget')) {
    const matches = deployments.filter(({ object: deployment }) => labelsMatch(object.spec?.selector?.matchLabels, deployment.spec?.template?.metadata?.labels));
    if (matches.length === 0) report(file, nameOf(object), 'spec.selector matches no Deployment');
  }

  for (const { file, object } of byKind('HorizontalPodAutoscaler')) {
    const target = object.spec?.scaleTargetRef ?? {};
    const deployment = deployments.find(({ object: candidate }) => candidate.kind === target.kind && candidate.metadata.name === target.name);
    if (!deployment) {
      report(file, nameOf(object), `spec.scaleTargetRef: ${target.kind}/${target.name} is not defined`);
      continue;
    }
    if (deployment.object.spec.replicas !== undefined) {
      report(deployment.file, nameOf(deployment.object), `spec.replicas is set, but HorizontalPodAutoscaler/${object.metadata.name} owns it (every apply would reset the autoscaler)`);
    }
    if ((object.spec.minReplicas ?? 1) > object.spec.maxReplicas) report(file, nameOf(object), 'spec.minReplicas exceeds spec.maxReplicas');
  }

  for (const image of kustomization.images ?? []) {
    const used = objects.some((object) => (object.spec?.template?.spec?.containers ?? []).some((container) => String(container.image).replace(/[:@].*$/, '') === image.name));
    if (!used) report(join(kubeDir, 'kustomization.yaml'), '', `images: "${image.name}" is used by no container`);
  }
}

function validateKubernetes() {
  const kustomizationFile = join(kubeDir, 'kustomization.yaml');
  const [kustomization = {}] = readYamlDocuments(kustomizationFile);
  if (kustomization.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || kustomization.kind !== 'Kustomization') {
    report(kustomizationFile, '', 'expected apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization');
  }
  const listed = Array.isArray(kustomization.resources) ? kustomization.resources : [];
  if (listed.length === 0) report(kustomizationFile, '', 'resources: none listed');
  const onDisk = readdirSync(kubeDir).filter((name) => /\.ya?ml$/.test(name) && !/^kustomization\.ya?ml$/.test(name));
  for (const name of onDisk) if (!listed.includes(name)) report(join(kubeDir, name), '', 'not listed in kustomization.yaml resources (kubectl apply -k would skip it)');

  const entries = [];
  for (const name of listed) {
    const file = join(kubeDir, name);
    if (!existsSync(file)) {
      report(kustomizationFile, '', `resources: ${name} does not exist`);
      continue;
    }
    const objects = readYamlDocuments(file);
    for (const object of objects) {
      if (object === null || typeof object !== 'object' || Array.isArray(object)) {
        report(file, '', 'a document that is not an object');
        continue;
      }
      if (validateAgainstApiSchema(file, object)) entries.push({ file, object });
    }
    console.log(`  ${relative(root, file)}: ${objects.map(nameOf).join(', ')}`);
  }
  if (entries.length > 0) checkUnknownFields(entries);
  checkWiring(kustomization, entries);
  return entries.length;
}

// ---------------------------------------------------------------------------------------------
// Docker Compose

function composeSchema() {
  const schemaFile = join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
  return JSON.parse(readFileSync(schemaFile, 'utf8'));
}

function validateCompose() {
  const [compose] = readYamlDocuments(composeFile);
  if (!compose) return;
  const Ajv = require('ajv').default;
  // The upstream schema uses a few annotations Ajv does not know (strict off), no formats.
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  const schema = composeSchema();
  delete schema.$schema;
  const validate = ajv.compile(schema);
  if (!validate(compose)) {
    for (const error of mostSpecific(validate.errors ?? [])) {
      const extra = error.params?.additionalProperty ? ` "${error.params.additionalProperty}"` : error.params?.allowedValues ? ` (${error.params.allowedValues.join(', ')})` : '';
      report(composeFile, 'schema', `${toDotted(error.instancePath) || '(root)'}: ${error.message}${extra}`);
    }
  }

  const services = compose.services ?? {};
  const volumes = new Set(Object.keys(compose.volumes ?? {}));
  for (const [name, service] of Object.entries(services)) {
    const dependsOn = Array.isArray(service.depends_on) ? Object.fromEntries(service.depends_on.map((target) => [target, { condition: 'service_started' }])) : (service.depends_on ?? {});
    for (const [target, { condition }] of Object.entries(dependsOn)) {
      const dependency = services[target];
      if (!dependency) {
        report(composeFile, `services.${name}`, `depends_on: "${target}" is not a service`);
        continue;
      }
      if (condition === 'service_healthy' && (!dependency.healthcheck || dependency.healthcheck.disable)) {
        report(composeFile, `services.${name}`, `depends_on.${target}: service_healthy, but "${target}" has no healthcheck`);
      }
      if (condition === 'service_completed_successfully' && ![undefined, 'no'].includes(dependency.restart)) {
        report(composeFile, `services.${name}`, `depends_on.${target}: service_completed_successfully, but "${target}" restarts (${dependency.restart})`);
      }
    }
    for (const mount of service.volumes ?? []) {
      const source = typeof mount === 'string' ? mount.split(':')[0] : mount.source;
      if (source && !/^[./~]/.test(source) && !volumes.has(source)) report(composeFile, `services.${name}`, `volumes: named volume "${source}" is not declared`);
    }
    if (service.build && !service.healthcheck && service.restart !== 'no') report(composeFile, `services.${name}`, 'a Bellwether service needs a healthcheck');
  }
  console.log(`  ${relative(root, composeFile)}: ${Object.keys(services).length} services`);

  let compose2 = false;
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    compose2 = true;
  } catch {
    console.log('  (docker compose is not installed here: `docker compose config` skipped; the schema check above stands)');
  }
  if (compose2) {
    try {
      execFileSync('docker', ['compose', '-f', composeFile, 'config', '-q'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      console.log('  docker compose config: ok');
    } catch (error) {
      report(composeFile, 'docker compose config', String(error.stderr ?? error.message).trim());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Grafana

/** Metrics a dashboard may query before they exist, with the issue that adds them. */
const plannedMetrics = new Map([['bellwether_alert_time_to_acknowledge_seconds', 'issue 5']]);

/** Names of every prom-client metric registered in apps/ and libs/ (`name: 'bellwether_…'`). */
function registeredMetrics() {
  const names = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (entry.isFile() && entry.name.endsWith('.ts') && !/\.(int-|e2e-)?spec\.ts$/.test(entry.name)) {
        for (const match of readFileSync(path, 'utf8').matchAll(/name:\s*'(bellwether_[a-z0-9_]+)'/g)) names.add(match[1]);
      }
    }
  };
  for (const dir of ['apps', 'libs']) if (existsSync(join(root, dir))) walk(join(root, dir));
  return names;
}

function validateDashboards() {
  if (!existsSync(grafanaDir)) return;
  const registered = registeredMetrics();
  for (const name of readdirSync(grafanaDir).filter((file) => file.endsWith('.json'))) {
    const file = join(grafanaDir, name);
    let dashboard;
    try {
      dashboard = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      report(file, '', `not JSON: ${error.message}`);
      continue;
    }
    if (typeof dashboard.schemaVersion !== 'number' || dashboard.schemaVersion < 36) report(file, '', 'schemaVersion missing or older than 36');
    if (!dashboard.uid || !dashboard.title) report(file, '', 'uid and title are required');
    const variables = new Set((dashboard.templating?.list ?? []).map((variable) => variable.name));
    if (!(dashboard.templating?.list ?? []).some((variable) => variable.type === 'datasource' && variable.query === 'prometheus')) {
      report(file, 'templating', 'a Prometheus datasource variable is required');
    }
    const ids = new Set();
    const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    for (const panel of panels) {
      const where = `panel ${panel.id} "${panel.title}"`;
      if (ids.has(panel.id)) report(file, where, 'duplicate panel id');
      ids.add(panel.id);
      const grid = panel.gridPos ?? {};
      if (![grid.x, grid.y, grid.w, grid.h].every(Number.isInteger) || grid.x < 0 || grid.w < 1 || grid.x + grid.w > 24) report(file, where, 'gridPos must lie within 24 columns');
      for (const target of panel.targets ?? []) {
        if (target.datasource?.uid !== '${datasource}') report(file, where, `target ${target.refId}: datasource must be the \${datasource} variable`);
        for (const variable of String(target.expr ?? '').matchAll(/\$(?!__)(\w+)/g)) if (!variables.has(variable[1])) report(file, where, `target ${target.refId}: unknown variable $${variable[1]}`);
        for (const [metric] of String(target.expr ?? '').matchAll(/bellwether_[a-z0-9_]+/g)) {
          const base = metric.replace(/_(bucket|sum|count)$/, '');
          if (registered.has(metric) || registered.has(base) || /^bellwether_(process|nodejs)_/.test(metric)) continue;
          const planned = plannedMetrics.get(base);
          if (planned && /planned/i.test(panel.description ?? '')) continue;
          report(file, where, planned ? `${base} is planned (${planned}): the panel description must say so` : `${metric} is not registered in apps/ or libs/`);
        }
      }
    }
    console.log(`  ${relative(root, file)}: ${panels.length} panels`);
  }
}

console.log('validating deploy/kubernetes, deploy/grafana and docker-compose.yml');
const objects = validateKubernetes();
validateDashboards();
validateCompose();
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s) in the deployment manifests:`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log(`deployment manifests ok: ${objects} Kubernetes objects (kubernetes-models schemas, no unknown fields, wiring), Grafana dashboards and docker-compose.yml (Compose Specification)`);
