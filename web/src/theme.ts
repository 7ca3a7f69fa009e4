/**
 * The antd theme: a calm government blue, Chinese system fonts, compact
 * radii and table paddings that keep dense tables readable.
 */
import type { ThemeConfig } from 'antd';

/** Primary brand blue. */
export const BRAND_BLUE = '#1d5bb8';
/** Header background. */
export const HEADER_BG = '#0f3873';

export const FONT_STACK =
  '-apple-system, BlinkMacSystemFont, "PingFang SC", "Microsoft YaHei", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export const theme: ThemeConfig = {
  token: {
    colorPrimary: BRAND_BLUE,
    colorInfo: BRAND_BLUE,
    colorLink: BRAND_BLUE,
    colorTextBase: '#1f2933',
    colorBgLayout: '#f2f4f7',
    borderRadius: 4,
    fontFamily: FONT_STACK,
    fontSize: 14,
  },
  components: {
    Layout: { headerBg: HEADER_BG, headerHeight: 56, headerPadding: '0 20px', bodyBg: '#f2f4f7' },
    Menu: {
      darkItemBg: HEADER_BG,
      darkPopupBg: HEADER_BG,
      darkItemSelectedBg: '#1d5bb8',
      darkItemColor: 'rgba(255,255,255,0.82)',
      darkItemHoverColor: '#ffffff',
      horizontalLineHeight: '56px',
    },
    Table: { headerBg: '#f5f7fa', headerColor: '#3a4654', cellPaddingBlockSM: 7, cellPaddingInlineSM: 10, rowHoverBg: '#f3f7fd' },
    Card: { headerFontSize: 15 },
    Tabs: { horizontalItemPadding: '10px 2px' },
    Descriptions: { labelBg: '#f7f9fb' },
  },
};
