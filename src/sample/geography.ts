/**
 * The bank's branch network: region → province → city → districts that have a
 * branch. Real geography, so drill-downs read naturally; each city belongs to one
 * province and each province to one region, the functional dependency the build
 * checks. A province's capital comes first; municipalities are their own only city.
 */
const NETWORK: Record<string, Record<string, Record<string, readonly string[]>>> = {
  华东: {
    上海: { 上海: ['浦东', '黄浦', '徐汇', '静安'] },
    江苏: {
      南京: ['鼓楼', '玄武', '江宁', '建邺'],
      苏州: ['姑苏', '工业园区', '昆山', '吴中'],
      无锡: ['梁溪', '滨湖', '新吴'],
      常州: ['天宁', '武进'],
    },
    浙江: {
      杭州: ['西湖', '上城', '滨江', '萧山'],
      宁波: ['海曙', '鄞州', '北仑'],
      温州: ['鹿城', '瓯海', '龙湾'],
      绍兴: ['越城', '柯桥'],
    },
    山东: {
      济南: ['历下', '市中', '槐荫'],
      青岛: ['市南', '崂山', '黄岛'],
      烟台: ['芝罘', '莱山'],
      潍坊: ['奎文', '潍城'],
    },
    福建: { 福州: ['鼓楼', '台江', '仓山'], 厦门: ['思明', '湖里', '集美'], 泉州: ['丰泽', '晋江'] },
    安徽: { 合肥: ['蜀山', '包河', '庐阳'], 芜湖: ['镜湖', '弋江'] },
    江西: { 南昌: ['东湖', '红谷滩'], 赣州: ['章贡'] },
  },
  华南: {
    广东: {
      广州: ['天河', '越秀', '海珠', '番禺'],
      深圳: ['福田', '南山', '罗湖', '宝安'],
      佛山: ['禅城', '南海', '顺德'],
      东莞: ['南城', '长安', '虎门'],
    },
    广西: { 南宁: ['青秀', '兴宁', '西乡塘'], 柳州: ['城中'], 桂林: ['秀峰'] },
    海南: { 海口: ['龙华', '美兰'], 三亚: ['吉阳'] },
  },
  华北: {
    北京: { 北京: ['朝阳', '海淀', '西城', '东城'] },
    天津: { 天津: ['和平', '河西', '南开', '滨海新区'] },
    河北: { 石家庄: ['长安', '桥西'], 唐山: ['路北', '路南'], 保定: ['竞秀'] },
    山西: { 太原: ['小店', '迎泽'], 大同: ['平城'] },
    内蒙古: { 呼和浩特: ['新城', '赛罕'], 包头: ['昆都仑'] },
  },
  华中: {
    河南: { 郑州: ['金水', '二七', '中原'], 洛阳: ['西工', '洛龙'], 开封: ['鼓楼'] },
    湖北: { 武汉: ['江汉', '武昌', '洪山', '江岸'], 宜昌: ['西陵', '伍家岗'], 襄阳: ['樊城'] },
    湖南: { 长沙: ['岳麓', '芙蓉', '天心'], 株洲: ['天元', '芦淞'], 岳阳: ['岳阳楼'] },
  },
  西南: {
    重庆: { 重庆: ['渝中', '江北', '渝北', '南岸'] },
    四川: { 成都: ['锦江', '武侯', '高新', '青羊'], 绵阳: ['涪城'], 宜宾: ['翠屏'] },
    贵州: { 贵阳: ['云岩', '南明'], 遵义: ['红花岗'] },
    云南: { 昆明: ['五华', '盘龙', '官渡'], 曲靖: ['麒麟'] },
    西藏: { 拉萨: ['城关'], 日喀则: ['桑珠孜'] },
  },
  西北: {
    陕西: { 西安: ['雁塔', '碑林', '未央', '高新'], 宝鸡: ['渭滨'], 咸阳: ['秦都'] },
    甘肃: { 兰州: ['城关', '七里河'], 天水: ['秦州'] },
    青海: { 西宁: ['城西', '城东'], 海东: ['乐都'] },
    宁夏: { 银川: ['兴庆', '金凤'], 石嘴山: ['大武口'] },
    新疆: { 乌鲁木齐: ['天山', '沙依巴克'], 克拉玛依: ['独山子'] },
  },
  东北: {
    辽宁: { 沈阳: ['和平', '沈河', '浑南'], 大连: ['中山', '沙河口', '甘井子'], 鞍山: ['铁东'] },
    吉林: { 长春: ['朝阳', '南关'], 吉林: ['船营'] },
    黑龙江: { 哈尔滨: ['南岗', '道里', '香坊'], 大庆: ['萨尔图', '让胡路'] },
  },
};

const FIRST_TIER_CITIES = new Set(['北京', '上海', '广州', '深圳']);

export interface Branch {
  branchId: number;
  branchName: string;
  city: string;
  province: string;
  region: string;
  /** Relative customer base: first-tier cities 4, provincial capitals 2, others 1. */
  weight: number;
}

export const BRANCHES: readonly Branch[] = Object.entries(NETWORK).flatMap(([region, provinces]) =>
  Object.entries(provinces).flatMap(([province, cities]) =>
    Object.entries(cities).flatMap(([city, districts], cityIndex) =>
      districts.map((district) => ({
        branchName: `${city}${district}支行`,
        city,
        province,
        region,
        weight: FIRST_TIER_CITIES.has(city) ? 4 : cityIndex === 0 ? 2 : 1,
      })),
    ),
  ),
).map((branch, index) => ({ branchId: index + 1, ...branch }));
