/**
 * The render step of the pipeline: each distinct variant of a bundle rendered once and encoded
 * as a BundleManifest, through a bounded cache keyed by source, revision, bundle path, id and
 * variant (a run at an unchanged commit, or a second cluster with the same variant, renders
 * nothing again).
 */
import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { BundleError } from '../rendering/index.js';
import type { ResolvedTarget } from '../targeting/index.js';
import { BUNDLE_TOOLKIT, type BundleToolkit } from './bundle-toolkit.js';
import { encodeManifest, type RenderedManifest } from './desired-state.js';

/** Most renders (manifests or BundleErrors) the cache keeps (lru-cache: the least recently used go first). */
const RENDER_CACHE_ENTRIES = 1024;

/** Where a bundle's renders come from: its checkout, source, revision, directory and id. */
export interface RenderInput {
  /** the source's checkout directory */
  dir: string;
  source: string;
  /** the commit checked out in `dir` */
  revision: string;
  /** the bundle's directory in the checkout ('' for the root) */
  path: string;
  /** the bundle id (BundleManifest.bundle_id) */
  id: string;
}

/** What `renderVariants` made of a bundle's targets. */
export interface RenderedVariants {
  /** per `BundleToolkit.variantKey(target.variant)`: the manifest of every variant that rendered */
  manifests: Map<string, RenderedManifest>;
  /** the terminal errors of variants that did not render, one per target hitting one (may repeat) */
  errors: BundleError[];
}

/** Renders bundle variants through the render cache. */
@Injectable()
export class BundleRenderer {
  private readonly renders = new LRUCache<string, RenderedManifest | BundleError>({ max: RENDER_CACHE_ENTRIES });

  constructor(@Inject(BUNDLE_TOOLKIT) private readonly toolkit: BundleToolkit) {}

  /**
   * Renders every distinct variant of `targets` once (in target order). A BundleError is
   * collected, not thrown, and cached like a manifest: the same commit fails the same way.
   * @throws any non-BundleError failure (I/O trouble is not terminal, so it is not cached).
   */
  async renderVariants(input: RenderInput, targets: readonly ResolvedTarget[]): Promise<RenderedVariants> {
    const manifests = new Map<string, RenderedManifest>();
    const errors: BundleError[] = [];
    for (const t of targets) {
      const key = this.toolkit.variantKey(t.variant);
      if (manifests.has(key)) continue;
      const rendered = await this.render(input, t, key);
      if (rendered instanceof BundleError) errors.push(rendered);
      else manifests.set(key, rendered);
    }
    return { manifests, errors };
  }

  /**
   * Renders one variant (cached by source, revision, bundle path, id and variant key) and
   * encodes it as a BundleManifest. Returns the BundleError instead of throwing it (also cached).
   * @throws any non-BundleError failure.
   */
  private async render(input: RenderInput, target: ResolvedTarget, key: string): Promise<RenderedManifest | BundleError> {
    const cacheKey = JSON.stringify([input.source, input.revision, input.path, input.id, key]);
    const cached = this.renders.get(cacheKey);
    if (cached) return cached;
    let out: RenderedManifest | BundleError;
    try {
      const objects = await this.toolkit.renderBundle(input.dir, input.path, target.variant);
      out = encodeManifest(input.id, objects);
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      out = err;
    }
    this.renders.set(cacheKey, out);
    return out;
  }
}
