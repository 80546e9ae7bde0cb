import { ArrayMaxSize, ArrayUnique, IsArray, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { Type } from 'class-transformer';

/** Directory ids (CSM, team, manager) and account ownership values: as on keys' csmId and team. */
export const DIRECTORY_ID = /^[A-Za-z0-9_.-]{1,100}$/;
const ID_MESSAGE = 'must be 1-100 letters, digits, dots, dashes or underscores';

/** PUT /v1/admin/directory/teams/{team}. */
export class PutTeamDto {
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(DIRECTORY_ID, { each: true, message: `each manager ${ID_MESSAGE}` })
  managers!: string[];
}

/** PUT /v1/admin/directory/csms/{csmId}: the team (in the directory), or null for none. */
export class PutCsmDto {
  @ValidateIf((dto: PutCsmDto) => dto.team !== null)
  @IsString()
  @Matches(DIRECTORY_ID, { message: `team ${ID_MESSAGE}, or null` })
  team!: string | null;
}

/** PATCH /v1/admin/accounts/{id}: absent leaves a field as it is, null unassigns it. */
export class PatchAccountOwnershipDto {
  @IsOptional()
  @Matches(DIRECTORY_ID, { message: `csmId ${ID_MESSAGE}, or null` })
  csmId?: string | null;

  @IsOptional()
  @Matches(DIRECTORY_ID, { message: `team ${ID_MESSAGE}, or null` })
  team?: string | null;

  @IsOptional()
  @Matches(DIRECTORY_ID, { message: `tier ${ID_MESSAGE}, or null` })
  tier?: string | null;
}

/** GET /v1/admin/directory/audit?limit=&subject= */
export class AuditQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @Matches(/^(csm|team|account):.{1,200}$/, { message: 'subject must be csm:<id>, team:<team> or account:<id>' })
  subject?: string;
}
