import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
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

  /** Required for a csm key: the CSM whose queue and accounts it may see. */
  @ValidateIf((dto: CreateApiKeyDto) => Array.isArray(dto.scopes) && dto.scopes.includes('csm'))
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'csmId must be 1-100 letters, digits, dots, dashes or underscores' })
  csmId?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'team must be 1-100 letters, digits, dots, dashes or underscores' })
  team?: string;
}
