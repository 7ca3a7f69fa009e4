/**
 * 地点 — the place a ticket concerns, picked from the contract's sites that
 * lie inside the user's district/street scope, or typed as free text. The
 * server resolves a site's exact name to the site (and so to its district
 * and street); free text that names no site stays unlocated.
 */
import { AutoComplete } from 'antd';
import { api, unwrap } from '../api/client';
import type { ContractSite } from '../api/types';
import { useT } from '../i18n/i18n';
import { useQuery } from '../shared/use-query';

/** Where a site lies, as shown next to its name: 朝阳区 · 劲松街道. */
export function siteArea(s: { district: string | null; street: string | null }): string {
  return [s.district, s.street].filter(Boolean).join(' · ');
}

export function SiteField({
  id,
  contractId,
  value,
  onChange,
  onPick,
  placeholder,
}: {
  /** Set by Form.Item so that its label points at the input. */
  id?: string;
  contractId: string;
  value?: string;
  onChange?: (v: string) => void;
  /** Called with the site when the text names one of the contract's sites. */
  onPick?: (site: ContractSite) => void;
  placeholder?: string;
}) {
  const t = useT();
  const { data } = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/sites', { params: { path: { contractId } } })), [contractId]);
  const sites = data?.sites ?? [];
  const options = sites.map((s) => ({
    value: s.name,
    label: (
      <span>
        {s.name}
        {siteArea(s) && <span className="muted small"> · {siteArea(s)}</span>}
      </span>
    ),
  }));
  return (
    <AutoComplete
      id={id}
      value={value}
      options={options}
      maxLength={200}
      placeholder={placeholder ?? (data?.scope ? t('site.scopedPlaceholder') : t('new.sitePlaceholder'))}
      filterOption={(input, option) => String(option?.value ?? '').includes(input.trim())}
      onChange={(v: string) => {
        onChange?.(v);
        const site = sites.find((s) => s.name === v.trim());
        if (site) onPick?.(site);
      }}
    />
  );
}
