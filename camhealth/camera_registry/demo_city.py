"""The demo registry: a county-level city's key public areas, intersections and cameras.

Modelled on a Shandong county-level city: seven towns and sub-districts (镇/街道), 40 key public
areas of the kinds the indicators name, and 14 important intersections with electronic police.
Every camera listens on its own loopback address, where ``camhealth simulate`` serves it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole

DISTRICTS = {
    "chengxiang": "城厢街道",
    "guliu": "古柳街道",
    "longwangzhuang": "龙旺庄街道",
    "fenggezhuang": "冯格庄街道",
    "bailinzhuang": "柏林庄街道",
    "heluo": "河洛镇",
    "xuefang": "穴坊镇",
}

K = AreaKind
# (id, name, kind, district, cameras)
KEY_AREAS: tuple[tuple[str, str, AreaKind, str, int], ...] = (
    ("huochezhan", "火车站", K.station, "chengxiang", 14),
    ("qichezhan", "汽车总站", K.station, "chengxiang", 12),
    ("gongjiao-shuniu", "公交枢纽站", K.station, "guliu", 6),
    ("renmin-yiyuan", "市人民医院", K.hospital, "chengxiang", 12),
    ("zhongyi-yiyuan", "市中医医院", K.hospital, "guliu", 8),
    ("fuyou-baojianyuan", "妇幼保健院", K.hospital, "longwangzhuang", 6),
    ("heluo-weishengyuan", "河洛镇卫生院", K.hospital, "heluo", 4),
    ("diyi-zhongxue", "第一中学", K.school, "chengxiang", 10),
    ("shiyan-xiaoxue", "实验小学", K.school, "guliu", 6),
    ("wenhua-xiaoxue", "文化路小学", K.school, "longwangzhuang", 5),
    ("di-er-zhongxue", "第二中学", K.school, "fenggezhuang", 6),
    ("xuefang-zhongxue", "穴坊镇中学", K.school, "xuefang", 4),
    ("zhiye-xueyuan", "职业学院", K.school, "bailinzhuang", 7),
    ("zhengwu-zhongxin", "政务服务中心", K.gov_service_center, "chengxiang", 11),
    ("heluo-bianmin", "河洛镇便民服务中心", K.gov_service_center, "heluo", 4),
    ("xuefang-bianmin", "穴坊镇便民服务中心", K.gov_service_center, "xuefang", 4),
    ("renmin-guangchang", "人民广场", K.park_square, "chengxiang", 12),
    ("wulong-gongyuan", "五龙河公园", K.park_square, "guliu", 8),
    ("lihua-gongyuan", "梨花公园", K.park_square, "longwangzhuang", 6),
    ("tiyu-guangchang", "体育广场", K.park_square, "fenggezhuang", 6),
    ("binhe-gongyuan", "滨河公园", K.park_square, "bailinzhuang", 6),
    ("tushuguan", "市图书馆", K.library, "chengxiang", 5),
    ("wenhua-zhongxin", "文化中心", K.library, "guliu", 5),
    ("lihua-jingqu", "千亩梨园景区", K.scenic_spot, "longwangzhuang", 8),
    ("wulong-shidi", "五龙河湿地", K.scenic_spot, "fenggezhuang", 6),
    ("hongtu-shan", "红土崖景区", K.scenic_spot, "heluo", 5),
    ("xuefang-gucun", "穴坊古村", K.scenic_spot, "xuefang", 4),
    ("buxing-jie", "步行街", K.business_district, "chengxiang", 12),
    ("xinhua-shangquan", "新华商圈", K.business_district, "guliu", 10),
    ("wanda-guangchang", "万达广场", K.business_district, "longwangzhuang", 10),
    ("nongmao-shichang", "农贸市场", K.business_district, "fenggezhuang", 6),
    ("bailin-shangjie", "柏林庄商业街", K.business_district, "bailinzhuang", 5),
    ("heluo-jishi", "河洛大集", K.business_district, "heluo", 4),
    ("xuefang-jishi", "穴坊大集", K.business_district, "xuefang", 4),
    ("tiyu-zhongxin", "全民健身中心", K.other, "fenggezhuang", 5),
    ("kaifa-qu-guanwei", "开发区管委", K.gov_service_center, "bailinzhuang", 4),
    ("hangzhan-lou", "高铁站", K.station, "bailinzhuang", 11),
    ("yingyuan", "影剧院", K.other, "guliu", 4),
    ("laonian-daxue", "老年大学", K.school, "longwangzhuang", 4),
    ("lvyou-fuwu", "游客服务中心", K.scenic_spot, "chengxiang", 4),
)

# Important intersections (branch roads are not counted by L4P6).
INTERSECTIONS: tuple[tuple[str, str, str], ...] = (
    ("lk-hexie-changshan", "和谐路与长山路路口", "chengxiang"),
    ("lk-hexie-qinghua", "和谐路与清华路路口", "chengxiang"),
    ("lk-yantai-xinhua", "烟台路与新华街路口", "guliu"),
    ("lk-yantai-wenhua", "烟台路与文化路路口", "guliu"),
    ("lk-lihua-changshan", "梨花大道与长山路路口", "longwangzhuang"),
    ("lk-lihua-mingzhu", "梨花大道与明珠路路口", "longwangzhuang"),
    ("lk-wulong-jiefang", "五龙路与解放路路口", "fenggezhuang"),
    ("lk-wulong-beiyi", "五龙路与北一环路口", "fenggezhuang"),
    ("lk-kaifa-dongfang", "开发大道与东方路路口", "bailinzhuang"),
    ("lk-kaifa-huanan", "开发大道与华南路路口", "bailinzhuang"),
    ("lk-heluo-g204", "河洛镇国道204路口", "heluo"),
    ("lk-heluo-zhongxin", "河洛镇中心路口", "heluo"),
    ("lk-xuefang-s212", "穴坊镇省道212路口", "xuefang"),
    ("lk-xuefang-zhongxin", "穴坊镇中心路口", "xuefang"),
)

SPOTS = ("主入口", "出口", "东门", "西门", "南门", "北门", "大厅", "广场", "停车场", "东侧",
         "西侧", "周界")  # fmt: skip
CITY_CENTRE = (36.977, 120.711)
PLATFORM_HOST = "127.0.0.2:8554"


@dataclass(frozen=True)
class DemoCity:
    areas: list[AreaRecord]
    cameras: list[CameraRecord]


def camera_host(index: int) -> str:
    """The loopback address of the index-th demo camera: 127.20.0.1, 127.20.0.2, ..."""
    return f"127.20.{index // 250}.{index % 250 + 1}"


def build_demo_city(seed: int = 2026) -> DemoCity:
    """The whole demo registry, the same for the same seed; passwords are drawn from it too."""
    rng = random.Random(seed)
    areas = [
        _area(rng, a_id, name, kind, district, True) for a_id, name, kind, district, _ in KEY_AREAS
    ]
    areas += [_area(rng, a_id, name, K.intersection, d, False) for a_id, name, d in INTERSECTIONS]
    plan = [(a_id, name, n, CameraRole.surveillance) for a_id, name, _, _, n in KEY_AREAS]
    plan += [(a_id, name, 2, CameraRole.e_police) for a_id, name, _ in INTERSECTIONS]
    cameras: list[CameraRecord] = []
    for area_id, area_name, count, role in plan:
        for n in range(count):
            cameras.append(_camera(rng, len(cameras), area_id, area_name, n, role))
    return DemoCity(areas, cameras)


def _area(
    rng: random.Random, area_id: str, name: str, kind: AreaKind, district: str, key: bool
) -> AreaRecord:
    lat, lon = CITY_CENTRE
    return AreaRecord(
        id=area_id,
        name=name,
        kind=kind,
        district=DISTRICTS[district],
        key_area=key,
        lat=round(lat + rng.uniform(-0.12, 0.12), 5),
        lon=round(lon + rng.uniform(-0.15, 0.15), 5),
    )


def _spot(n: int) -> str:
    rounds, place = divmod(n, len(SPOTS))
    return SPOTS[place] + (str(rounds + 1) if rounds else "")


def _camera(
    rng: random.Random, index: int, area_id: str, area_name: str, n: int, role: CameraRole
) -> CameraRecord:
    host = camera_host(index)
    camera_id = f"{area_id}-{n + 1:02d}"
    spot = ("东向", "西向")[n] if role is CameraRole.e_police else _spot(n)
    # About one camera in twelve has no platform URL: declared networked, but unverifiable.
    relayed = rng.random() >= 1 / 12
    return CameraRecord(
        id=camera_id,
        name=f"{area_name}{spot}",
        area_id=area_id,
        role=role,
        onvif_url=f"http://{host}:8080/onvif/device_service",
        rtsp_url=f"rtsp://{host}:8554/Streaming/Channels/101",
        sub_rtsp_url=f"rtsp://{host}:8554/Streaming/Channels/102",
        platform_url=f"rtsp://{PLATFORM_HOST}/relay/{camera_id}/main" if relayed else None,
        declared_networked=True,
        username="admin",
        password="".join(rng.choices("abcdefghjkmnpqrstuvwxyz23456789", k=12)),
        tags=(role.value,),
    )
