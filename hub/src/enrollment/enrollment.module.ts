/**
 * Agent enrollment: cluster registration tokens (admin API), the rate-limited enrollment
 * endpoint agents call, and the NATS responder that rotates agents' credentials.
 */
import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module.js';
import { CredentialsResponder } from './credentials-responder.service.js';
import { EnrollmentService } from './enrollment.service.js';

/** EnrollmentService (registration tokens, enrollment) for its API, and the credentials-rotation responder. */
@Module({
  imports: [ClustersModule],
  providers: [EnrollmentService, CredentialsResponder],
  exports: [EnrollmentService],
})
export class EnrollmentModule {}
