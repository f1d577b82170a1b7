import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NatsService } from '../nats/nats.service.js';

/** Result of a readiness check. */
export interface Readiness {
  ready: boolean;
  database: boolean;
  nats: boolean;
}

/** Liveness and readiness: the hub is ready when PostgreSQL answers and NATS is connected. */
@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly nats: NatsService,
  ) {}

  /** Checks PostgreSQL (`SELECT 1`, 2 s timeout) and the NATS connection. */
  async readiness(): Promise<Readiness> {
    const database = await Promise.race([
      this.dataSource.query('SELECT 1').then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
    ]);
    const nats = this.nats.isConnected();
    return { ready: database && nats, database, nats };
  }
}
