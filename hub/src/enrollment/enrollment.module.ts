/**
 * Agent enrollment: cluster registration tokens (admin API), the rate-limited enrollment
 * endpoint agents call, and the answers to agents' credentials-rotation requests.
 */
import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module.js';
import { CredentialsResponder } from './credentials-responder.service.js';
import { EnrollmentService } from './enrollment.service.js';

/** EnrollmentService (registration tokens, enrollment) for its API, and CredentialsResponder for its NATS handler (messaging/). */
@Module({
  imports: [ClustersModule],
  providers: [EnrollmentService, CredentialsResponder],
  exports: [EnrollmentService, CredentialsResponder],
})
export class EnrollmentModule {}
