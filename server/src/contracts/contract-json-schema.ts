/**
 * The published JSON Schema of the contract definition format, generated from
 * the zod schema (the single source of truth). Editors that understand JSON
 * Schema (e.g. VS Code with the YAML extension) validate and complete against it.
 */
import { z } from 'zod';
import { CONTRACT_FORMAT_VERSION, ZContractDefinition } from './contract-definition.schema.ts';

/** The JSON Schema document for format version 1. */
export function contractJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ZContractDefinition, { io: 'input', unrepresentable: 'any' });
  return {
    ...schema,
    $id: `https://yunwei.example/schemas/contract-definition-v${CONTRACT_FORMAT_VERSION}.json`,
    title: '运维 Yunwei 合同定义格式',
    description: `合同定义格式第 ${CONTRACT_FORMAT_VERSION} 版。金额为精确到分的十进制字符串；比例写作 "5%" 或 "0.5‰"；未定义的字段一律报错。跨字段一致性（金额合计、引用、日期）由导入程序另行校验。`,
  };
}
