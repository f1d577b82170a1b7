import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeadLettersQuery, DeadLetterView, toDeadLetterView } from '../status/dead-letters.dto.js';
import { DeadLettersRepository } from '../status/dead-letters.repository.js';

/** Admin API of status messages the hub could not store: /api/v1/status/dead-letters (viewer). */
@ApiTags('status')
@Controller('api/v1/status/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersRepository) {}

  /** The newest dead-lettered status messages (`limit`, default 100), newest first, optionally of one `cluster`. */
  @Get()
  @ApiOperation({ summary: 'Status messages the hub could not store, with the reason and the raw bytes (base64, at most 64 KiB)' })
  @ApiOkResponse({ type: [DeadLetterView] })
  async list(@Query() q: DeadLettersQuery): Promise<DeadLetterView[]> {
    const rows = await this.deadLetters.list({ ...(q.cluster ? { cluster: q.cluster } : {}), limit: q.limit ?? 100 });
    return rows.map(toDeadLetterView);
  }
}
