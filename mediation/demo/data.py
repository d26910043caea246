"""Static material for the demo: places, organisations, expertise, names."""

CITY = ("qs", "Qingshan City (青山市)")

# county code → (name, [(town code, name), …])
COUNTIES = {
    "dh": ("Donghu District (东湖区)", [("na", "Ning'an Town (宁安镇)"), ("xq", "Xiqiao Street (西桥街道)"),
                                        ("lt", "Liutang Town (柳塘镇)"), ("sp", "Shipai Town (石牌镇)")]),
    "by": ("Baiyun County (白云县)", [("hs", "Heshan Town (河山镇)"), ("jq", "Jinqiao Town (金桥镇)"),
                                     ("ml", "Meiling Town (梅岭镇)"), ("yh", "Yuhe Town (玉河镇)")]),
    "fx": ("Fengxi County (丰溪县)", [("dk", "Dakou Town (大口镇)"), ("tj", "Taojia Town (陶家镇)"),
                                     ("xs", "Xiashi Town (下市镇)")]),
    "lq": ("Longquan County (龙泉县)", [("gp", "Gaoping Town (高坪镇)"), ("cz", "Chenzhuang Town (陈庄镇)"),
                                       ("bs", "Baisha Town (白沙镇)")]),
}

VILLAGES = ["Dongcun (东村)", "Xicun (西村)", "Nanwan (南湾)", "Beiling (北岭)", "Shangba (上坝)"]

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
    "land_compensation": "Compensation for expropriated farmland",
    "unpaid_wages": "Unpaid wages on a construction site",
    "housing_project": "Stalled residential project, buyers demand delivery",
    "medical_dispute": "Dispute over treatment outcome at a county hospital",
    "environmental_pollution": "Factory emissions affecting crops and wells",
    "social_security": "Pension contributions not paid by former employer",
    "demolition_resettlement": "Resettlement housing not delivered after demolition",
    "rural_collective": "Distribution of village collective income",
}

# (name, aliases, kind, respondent categories)
ORGANISATIONS = [
    ("Ning'an Town Government", ["宁安镇人民政府", "Ningan Town Government"], "government", ["land_compensation", "demolition_resettlement"]),
    ("Heshan Town Government", ["河山镇人民政府"], "government", ["land_compensation", "rural_collective"]),
    ("Dakou Town Government", ["大口镇人民政府"], "government", ["demolition_resettlement"]),
    ("Qingshan Natural Resources Bureau", ["青山市自然资源局", "Natural Resources Bureau"], "government", ["land_compensation"]),
    ("Qingshan Human Resources and Social Security Bureau", ["青山市人力资源和社会保障局", "HRSS Bureau"], "government", ["social_security", "unpaid_wages"]),
    ("Qingshan Housing and Urban-Rural Development Bureau", ["青山市住房和城乡建设局"], "government", ["housing_project"]),
    ("Qingshan Ecology and Environment Bureau", ["青山市生态环境局"], "government", ["environmental_pollution"]),
    ("Hongda Real Estate Co.", ["宏达房地产开发有限公司", "Hongda Property"], "company", ["housing_project", "demolition_resettlement"]),
    ("Jinqiao Construction Group", ["金桥建设集团"], "company", ["unpaid_wages"]),
    ("Baiyun Chemical Works", ["白云化工厂"], "company", ["environmental_pollution"]),
    ("Fengxi Cement Co.", ["丰溪水泥有限公司"], "company", ["environmental_pollution", "unpaid_wages"]),
    ("Baiyun County People's Hospital", ["白云县人民医院"], "hospital", ["medical_dispute"]),
    ("Qingshan Central Hospital", ["青山市中心医院"], "hospital", ["medical_dispute"]),
    ("Longquan Textile Mill", ["龙泉纺织厂"], "company", ["unpaid_wages", "social_security"]),
]

EMPLOYERS = [
    ("Qingshan University", ["青山大学"]),
    ("Qingshan Vocational College", ["青山职业技术学院"]),
    ("Zhengyi Law Firm", ["正义律师事务所"]),
    ("Mingde Law Firm", ["明德律师事务所"]),
    ("Xinhe Accounting Firm", ["信和会计师事务所"]),
    ("Qingshan Medical Association", ["青山市医学会"]),
    ("Provincial Academy of Social Sciences", ["省社会科学院"]),
    ("Qingshan Psychological Counselling Centre", ["青山心理咨询中心"]),
    ("Retired", ["退休"]),
]

SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun",
            "Hu", "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo"]
GIVEN = ["Wei", "Fang", "Min", "Jing", "Lei", "Jun", "Yan", "Hong", "Ping", "Qiang", "Li", "Hua",
         "Xin", "Tao", "Ming", "Chao", "Xia", "Bo", "Lan", "Gang", "Yun", "Ning", "Hui", "Jie"]

# Responsible leaders (包案领导): name, post. The third is linked to the demo coordinator's account,
# so "My cases" on the case list shows something.
LEADERS = [("Zhou Lin", "Deputy Mayor"), ("Wu Gang", "County Head"),
           ("Ma Hui", "Deputy County Head"), ("Lin Tao", "Town Party Secretary"),
           ("Guo Ping", "Director, Petition Bureau")]
COORDINATOR_LEADER = 2
