import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../api/errors.js';
import type { BundleEntity } from './bundle.entity.js';
import type { BundleView } from './bundles.dto.js';
import { BundlesRepository } from './bundles.repository.js';

/** Read side of bundles (the pipeline writes them). */
@Injectable()
export class BundlesService {
  constructor(private readonly bundles: BundlesRepository) {}

  /** Every bundle with its target count. */
  async list(): Promise<BundleView[]> {
    return (await this.bundles.listWithTargetCounts()).map(toView);
  }

  /** One bundle. @throws NotFoundError */
  async get(id: string): Promise<BundleView> {
    const b = await this.bundles.getWithTargetCount(id);
    if (!b) throw new NotFoundError('bundle', id);
    return toView(b);
  }
}

function toView(b: BundleEntity & { targetCount: number }): BundleView {
  return {
    id: b.id,
    source: b.source,
    path: b.path,
    name: b.name,
    labels: b.labels,
    revision: b.revision,
    state: b.state,
    errors: b.errors,
    warnings: b.warnings,
    targetCount: b.targetCount,
    updatedAt: b.updatedAt.toISOString(),
  };
}
