import { Global, Module } from '@nestjs/common';
import { HUB_CONFIG, loadConfig, type HubConfig } from './config.js';

/** Provides the validated `HubConfig` under `HUB_CONFIG` to every module. */
@Global()
@Module({})
export class ConfigModule {
  /** Module holding `config` (already validated by `loadConfig`). */
  static forRoot(config: HubConfig = loadConfig()) {
    return { module: ConfigModule, providers: [{ provide: HUB_CONFIG, useValue: config }], exports: [HUB_CONFIG] };
  }
}
