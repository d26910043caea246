"""Static material for the demo: places, organisations, expertise, names.

The demo is what a Chinese petition office would type: names in Chinese. Organisations keep an
English alias, so searching by either finds them."""

CITY = ("qs", "青山市")

# county code → (name, [(town code, name), …])
COUNTIES = {
    "dh": ("东湖区", [("na", "宁安镇"), ("xq", "西桥街道"), ("lt", "柳塘镇"), ("sp", "石牌镇")]),
    "by": ("白云县", [("hs", "河山镇"), ("jq", "金桥镇"), ("ml", "梅岭镇"), ("yh", "玉河镇")]),
    "fx": ("丰溪县", [("dk", "大口镇"), ("tj", "陶家镇"), ("xs", "下市镇")]),
    "lq": ("龙泉县", [("gp", "高坪镇"), ("cz", "陈庄镇"), ("bs", "白沙镇")]),
}

VILLAGES = ["东村", "西村", "南湾", "北岭", "上坝"]

EXPERTISE = [
    ("land", "Land and expropriation compensation", "土地征收补偿"),
    ("labour", "Labour and wages", "劳动与工资"),
    ("housing", "Housing and real-estate projects", "住房与房地产项目"),
    ("law", "Law", "法律"),
    ("finance", "Finance and accounting", "财务会计"),
    ("medical", "Medical disputes", "医疗纠纷"),
    ("environment", "Environment", "生态环境"),
    ("social_security", "Social security", "社会保障"),
    ("construction", "Construction quality", "建筑工程质量"),
]

CATEGORY_EXPERTISE = {
    "land_compensation": ["land", "law", "finance"],
    "unpaid_wages": ["labour", "law"],
    "housing_project": ["housing", "finance", "construction"],
    "medical_dispute": ["medical", "law"],
    "environmental_pollution": ["environment", "law"],
    "social_security": ["social_security", "labour"],
    "demolition_resettlement": ["land", "housing", "law"],
    "rural_collective": ["land", "finance"],
}

CATEGORY_TITLES = {
    "land_compensation": "耕地被征收，补偿款未足额发放",
    "unpaid_wages": "建筑工地拖欠农民工工资",
    "housing_project": "商品房项目停工烂尾，业主要求交房",
    "medical_dispute": "对县医院治疗结果有异议",
    "environmental_pollution": "工厂排放影响庄稼和水井",
    "social_security": "原单位未缴纳养老保险",
    "demolition_resettlement": "拆迁后安置房未交付",
    "rural_collective": "村集体收益分配纠纷",
}

# (name, aliases, kind, respondent categories)
ORGANISATIONS = [
    ("宁安镇人民政府", ["Ning'an Town Government"], "government", ["land_compensation", "demolition_resettlement"]),
    ("河山镇人民政府", ["Heshan Town Government"], "government", ["land_compensation", "rural_collective"]),
    ("大口镇人民政府", ["Dakou Town Government"], "government", ["demolition_resettlement"]),
    ("青山市自然资源局", ["Qingshan Natural Resources Bureau", "自然资源局"], "government", ["land_compensation"]),
    ("青山市人力资源和社会保障局", ["Qingshan Human Resources and Social Security Bureau", "人社局"], "government", ["social_security", "unpaid_wages"]),
    ("青山市住房和城乡建设局", ["Qingshan Housing and Urban-Rural Development Bureau", "住建局"], "government", ["housing_project"]),
    ("青山市生态环境局", ["Qingshan Ecology and Environment Bureau"], "government", ["environmental_pollution"]),
    ("宏达房地产开发有限公司", ["Hongda Real Estate Co.", "宏达地产"], "company", ["housing_project", "demolition_resettlement"]),
    ("金桥建设集团", ["Jinqiao Construction Group"], "company", ["unpaid_wages"]),
    ("白云化工厂", ["Baiyun Chemical Works"], "company", ["environmental_pollution"]),
    ("丰溪水泥有限公司", ["Fengxi Cement Co."], "company", ["environmental_pollution", "unpaid_wages"]),
    ("白云县人民医院", ["Baiyun County People's Hospital"], "hospital", ["medical_dispute"]),
    ("青山市中心医院", ["Qingshan Central Hospital"], "hospital", ["medical_dispute"]),
    ("龙泉纺织厂", ["Longquan Textile Mill"], "company", ["unpaid_wages", "social_security"]),
]

COUNSELLING_CENTRE = "青山心理咨询中心"

EMPLOYERS = [
    ("青山大学", ["Qingshan University"]),
    ("青山职业技术学院", ["Qingshan Vocational College"]),
    ("正义律师事务所", ["Zhengyi Law Firm"]),
    ("明德律师事务所", ["Mingde Law Firm"]),
    ("信和会计师事务所", ["Xinhe Accounting Firm"]),
    ("青山市医学会", ["Qingshan Medical Association"]),
    ("省社会科学院", ["Provincial Academy of Social Sciences"]),
    (COUNSELLING_CENTRE, ["Qingshan Psychological Counselling Centre"]),
    ("退休", ["Retired"]),
]

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
            "林", "何", "郭", "马", "罗"]
GIVEN = ["伟", "芳", "敏", "静", "磊", "军", "艳", "红", "平", "强", "丽", "华", "欣", "涛", "明",
         "超", "霞", "波", "兰", "刚", "云", "宁", "慧", "杰"]

# Responsible leaders (包案领导): name, post. The third is linked to the demo coordinator's account,
# so "My cases" on the case list shows something.
LEADERS = [("周林", "副市长"), ("吴刚", "县长"), ("马慧", "副县长"), ("林涛", "镇党委书记"),
           ("郭平", "信访局局长")]
COORDINATOR_LEADER = 2

# Words the demo's records use.
EXPERT_TITLES = ["教授", "资深律师", "高级工程师", "退休法官", "会计师", "副教授", "主任医师"]
COUNSELLOR_TITLE = "心理咨询师"
AWAY_REASONS = ["出差", "授课", "出庭", "休假"]
