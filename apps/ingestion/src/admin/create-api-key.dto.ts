import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { ApiKeyScope } from '@bellwether/contracts';
import { apiKeyScopes } from '@bellwether/auth';

export class CreateApiKeyDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(apiKeyScopes, { each: true, message: `each scope must be one of ${apiKeyScopes.join(', ')}` })
  scopes!: ApiKeyScope[];

  /**
   * A csm key's CSM (required there, refused on any other key): whose queue and accounts it may
   * see. `keyIdentityProblems` checks which keys may carry it.
   */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'csmId must be 1-100 letters, digits, dots, dashes or underscores' })
  csmId?: string;

  /** A manager key's team (required there, refused on any other key); its members come from the directory. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'team must be 1-100 letters, digits, dots, dashes or underscores' })
  team?: string;
}
