import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/roles.js';
import { PublishingRepository } from '../publishing/publishing.repository.js';

/** One public key the hub signs DesiredStates with. */
export class SigningKeyView {
  @ApiProperty({ description: 'key id (DesiredState.signing_key_id): 16 hex of the sha256 of the SPKI DER', example: '3f2a9c0d1e4b5a67' })
  keyId!: string;

  @ApiProperty({ description: 'ed25519 public key, PEM (SPKI): install it on agents (--bundle-public-keys, agent chart hub.bundlePublicKey)' })
  publicKeyPem!: string;
}

/** GET /api/v1/signing-keys: whether DesiredStates are signed, and with which public key(s). */
export class SigningKeysView {
  @ApiProperty({ description: 'true when every published DesiredState is signed (GITFLEET_SIGNING_KEY_FILE)' })
  signed!: boolean;

  @ApiProperty({ type: [SigningKeyView], description: 'the public keys agents must trust; empty when unsigned' })
  keys!: SigningKeyView[];
}

/** The hub's bundle-signing public key, for operators installing agents (open without a token). Never the private key. */
@ApiTags('signing')
@Public()
@Controller('api/v1/signing-keys')
export class SigningKeysController {
  constructor(private readonly publishing: PublishingRepository) {}

  /** The public key DesiredStates are signed with (empty `keys` when signing is off). */
  @Get()
  @ApiOkResponse({ type: SigningKeysView })
  get(): SigningKeysView {
    const key = this.publishing.signingPublicKey();
    return { signed: key !== undefined, keys: key ? [key] : [] };
  }
}
