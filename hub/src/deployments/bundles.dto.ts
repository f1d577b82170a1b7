import { ApiProperty } from '@nestjs/swagger';
import type { BundleProblem, BundleState } from './bundle.entity.js';

/** One bundle problem (file + reason). */
export class BundleProblemView implements BundleProblem {
  @ApiProperty({ description: 'repository path of the file to blame' }) file: string;
  @ApiProperty() message: string;
}

/** A bundle as returned by the API. */
export class BundleView {
  @ApiProperty() id: string;
  @ApiProperty() source: string;
  @ApiProperty() path: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels: Record<string, string>;
  @ApiProperty({ description: 'commit SHA of the last scan' }) revision: string;
  @ApiProperty({ enum: ['Ready', 'Failed'] }) state: BundleState;
  @ApiProperty({ type: [BundleProblemView] }) errors: BundleProblemView[];
  @ApiProperty({ type: [String] }) warnings: string[];
  @ApiProperty({ description: 'number of published targets' }) targetCount: number;
  @ApiProperty() updatedAt: string;
}
