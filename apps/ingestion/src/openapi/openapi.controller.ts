import { Controller, Get } from '@nestjs/common';
import { buildIngestionOpenApi } from './openapi.document';

/** The OpenAPI document, public like the health endpoints: it holds no data. */
@Controller()
export class OpenApiController {
  private readonly document = buildIngestionOpenApi();

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }
}
