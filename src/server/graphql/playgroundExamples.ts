/** The tabs the playground opens with: questions a bank analyst asks of the sample cubes. */
export interface PlaygroundTab {
  query: string;
  variables?: string;
}

const VIP_PROFIT = `# Profit contribution by province and quarter for VIP customers.
# Ctrl-Enter runs the query; Ctrl-Space autocompletes levels, measures and filters.
query VipProfitByProvinceAndQuarter {
  transactions(
    levels: { region: province, time: quarter }
    where: { segment: { tier: { in: ["VIP"] } } }
    orderBy: [{ measure: profit, desc: true }]
    first: 20
  ) {
    rows { region { province } time { quarter } amount profit margin }
    totals { amount profit margin }
    total
    meta { source cuboid cubeVersion exact elapsedMs cached }
  }
}
`;

const DRILL_DOWN = `# Drill down from region to branch: 华东 → 浙江 → 杭州 → its branches.
# Each drillDown answers the rewritten query; \`query\` is the CubeQuery (also valid for POST /v1/query).
query DrillDownRegionToBranch {
  transactions(levels: { region: region }, orderBy: [{ measure: profit, desc: true }]) {
    rows { region { region } profit }
    drillDown(dimension: region, member: "华东") {
      rows { region { province } profit }
      drillDown(dimension: region, member: "浙江") {
        rows { region { city } profit }
        drillDown(dimension: region, member: "杭州") {
          rows { region { branch } profit amount transactions }
          query
        }
      }
    }
  }
}
`;

const TOP_MANAGERS = `# Top 10 account managers by profit contribution, with their share of the total.
query TopAccountManagers {
  transactions(levels: { manager: manager }, orderBy: [{ measure: profit, desc: true }], first: 10) {
    rows { manager { manager } profit profit_pctOfTotal amount transactions }
    totals { profit }
    meta { source cuboid elapsedMs cached }
  }
}
`;

const METADATA = `# What can be asked: cubes, their levels (with member counts), measures and cuboids.
query Cubes {
  cubes {
    name version builtAt
    dimensions { name hierarchies { name levels { name cardinality } } }
    measures { name kind exact }
    cuboids { name levels rows }
  }
  members(cube: "transactions", dimension: "region", level: "province", first: 5) {
    totalCount nodes pageInfo { hasNextPage endCursor }
  }
}
`;

export const PLAYGROUND_TABS: readonly PlaygroundTab[] = [
  { query: VIP_PROFIT },
  { query: DRILL_DOWN },
  { query: TOP_MANAGERS },
  { query: METADATA },
];
