/**
 * Loads one contract (definition, my roles) for the pages inside it.
 */
import { api, unwrap } from '../api/client';
import type { ContractDetail } from '../api/types';
import { useQuery, type QueryState } from '../shared/use-query';

export function useContract(contractId: string): QueryState<ContractDetail> {
  return useQuery(() => unwrap(api.GET('/api/contracts/{contractId}', { params: { path: { contractId } } })), [contractId]);
}
