import { pickUniform, uniform } from './pseudoRandom.ts';

/** Name parts for people and companies; generated names combine them by hash. */
const SURNAMES = [
  '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡',
  '郭', '何', '高', '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹',
];

const GIVEN_NAME_CHARACTERS = [
  '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛',
  '明', '超', '秀', '霞', '平', '刚', '英', '华', '玉', '萍', '红', '鹏', '辉', '飞', '宇',
  '婷', '浩', '凯', '鑫', '佳', '欣', '晨', '琳', '斌', '雪',
];

const COMPANY_WORDS = [
  '华兴', '恒达', '金桥', '瑞丰', '宏远', '鼎盛', '新元', '东方', '永安', '安泰', '天成', '博远',
  '中联', '嘉禾', '德隆', '汇通',
];

const INDUSTRIES = ['科技', '贸易', '实业', '物流', '建设', '医药', '食品', '电子', '能源', '投资'];

/** A Chinese personal name: surname plus one or (mostly) two given-name characters. */
export function personNameSql(seed: number, salt: string, key: string): string {
  const draw = (part: string) => uniform(seed, `${salt}/${part}`, key);
  const second = `CASE WHEN ${draw('length')} < 0.7 THEN ${pickUniform(draw('second'), GIVEN_NAME_CHARACTERS)} ELSE '' END`;
  return `${pickUniform(draw('surname'), SURNAMES)} || ${pickUniform(draw('first'), GIVEN_NAME_CHARACTERS)} || ${second}`;
}

/** A company name in the usual form: city, trade name, industry, 有限公司. */
export function companyNameSql(seed: number, salt: string, key: string, city: string): string {
  const draw = (part: string) => uniform(seed, `${salt}/${part}`, key);
  return `${city} || ${pickUniform(draw('word'), COMPANY_WORDS)} || ${pickUniform(draw('industry'), INDUSTRIES)} || '有限公司'`;
}
