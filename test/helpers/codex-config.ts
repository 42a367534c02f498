// A codex config.toml whose provider is a custom one (not the built-in, which needs a login): it
// takes its key from OPENAI_API_KEY and points at a closed loopback port, so nothing is reached.
// `extra` lines follow it (e.g. a project's trust level).
export function customProviderConfig(model: string, extra: readonly string[] = []): string {
  return [
    `model = "${model}"`,
    'model_provider = "mock"',
    '[model_providers.mock]',
    'name = "mock"',
    'base_url = "http://127.0.0.1:9/v1"',
    'env_key = "OPENAI_API_KEY"',
    'wire_api = "responses"',
    ...extra,
    '',
  ].join('\n');
}
